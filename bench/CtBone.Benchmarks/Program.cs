using CtBone.Benchmarks;

return await SeriesLoadBenchmark.RunAsync(args).ConfigureAwait(false);
