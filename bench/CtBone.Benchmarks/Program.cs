using CtBone.Benchmarks;

return args switch
{
    ["analysis", ..] => await AnalysisBenchmark.RunAsync(args).ConfigureAwait(false),
    ["accuracy"] => await AccuracyReport.RunAsync().ConfigureAwait(false),
    _ => await SeriesLoadBenchmark.RunAsync(args).ConfigureAwait(false),
};
