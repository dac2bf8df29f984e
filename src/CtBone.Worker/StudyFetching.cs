using CtBone.Store;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>A study as the worker holds it for analysis: the folder of its files and how many instances it has.</summary>
public sealed record FetchedStudy(string Folder, int InstanceCount);

/// <summary>
/// A fault while getting a study or handing in its findings. Transient faults (a source or the API unreachable, busy or
/// timing out) are retried; permanent ones (the study is gone, the request is wrong) end the analysis with the reason.
/// </summary>
public sealed class StudyTransferException(string message, bool isTransient, Exception? inner = null) : Exception(message, inner)
{
    public bool IsTransient { get; } = isTransient;
}

/// <summary>Gets a study from where one kind of source keeps it.</summary>
public interface IStudyFetcher
{
    string SourceKind { get; }

    /// <summary>Puts the study's instances in (or names) a folder; <paramref name="scratch"/> is this analysis' own, emptied afterwards.</summary>
    Task<FetchedStudy> FetchAsync(AnalysisRecord analysis, string scratch, CancellationToken cancellationToken);
}

/// <summary>Studies the service holds itself (inbox drops, uploads): already in its studies folder under the analysis id.</summary>
public sealed class StoredFilesFetcher(IOptions<ServiceOptions> options) : IStudyFetcher
{
    public string SourceKind => StudySources.Files;

    public Task<FetchedStudy> FetchAsync(AnalysisRecord analysis, string scratch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var folder = StudyFolder(options.Value, analysis.Id);
        if (!Directory.Exists(folder))
        {
            throw new StudyTransferException("the study's files are no longer in the service's studies folder", isTransient: false);
        }

        return Task.FromResult(new FetchedStudy(folder, Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Count()));
    }

    public static string StudyFolder(ServiceOptions options, string analysisId)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.Combine(options.StudiesDirectory, analysisId);
    }
}
