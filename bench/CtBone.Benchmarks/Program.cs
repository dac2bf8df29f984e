using CtBone.Benchmarks;

return args switch
{
    ["analysis", ..] => await AnalysisBenchmark.RunAsync(args).ConfigureAwait(false),
    ["accuracy"] => await AccuracyReport.RunAsync().ConfigureAwait(false),
    ["service-load", ..] => await ServiceLoadBenchmark.RunAsync(args).ConfigureAwait(false),
    ["service-studies", ..] => await StudyThroughputBenchmark.RunAsync(args).ConfigureAwait(false),
    ["batch-walk", ..] => await BatchWalkBenchmark.RunAsync(args).ConfigureAwait(false),
    _ => await SeriesLoadBenchmark.RunAsync(args).ConfigureAwait(false),
};
