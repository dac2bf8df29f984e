using System.Diagnostics;
using CtBone.Core.Series;
using CtBone.Dicom.Isolation;
using CtBone.Dicom.Tests.TestSupport;
using CtBone.TestSupport;

namespace CtBone.Dicom.Tests.Isolation;

/// <summary>The pool of idle decode hosts is process-wide, so these tests run alone: no other test may take a host between two loads here.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DecodeHostsRunAlone
{
    public const string Name = "decode host pool";
}

/// <summary>
/// One decode host serves load after load; a host that crashed or was stopped is never used again, and the next
/// load starts a fresh one.
/// </summary>
[Collection(DecodeHostsRunAlone.Name)]
[Trait("Category", "Integration")]
public sealed class DecodeHostReuseTests : IDisposable
{
    private readonly TempFolder _good = new("ctbone-reuse-good");
    private readonly TempFolder _bad = new("ctbone-reuse-bad");
    private readonly IReadOnlyList<SyntheticSlice> _goodSlices;

    public DecodeHostReuseTests()
    {
        DecodeHostPool.StopIdleHosts();
        _goodSlices = SyntheticCtSeries.Write(_good.Path);
    }

    public void Dispose()
    {
        DecodeHostPool.StopIdleHosts();
        _good.Dispose();
        _bad.Dispose();
    }

    [Fact]
    public async Task LoadAsync_WhenCalledAgain_ReusesTheSameHostProcess()
    {
        var first = await LoadAsync(_good.Path);
        var host = Assert.Single(DecodeHostPool.IdleProcessIds());

        var second = await LoadAsync(_good.Path);

        Assert.Equal([host], DecodeHostPool.IdleProcessIds());
        AssertGoodVolume(first);
        AssertGoodVolume(second);
    }

    [Fact]
    public async Task LoadAsync_WhenAFileCrashesTheReusedHost_RecordsItAndLaterLoadsUseAFreshHost()
    {
        SyntheticCtSeries.Write(_bad.Path);
        var aborting = Path.Combine(_bad.Path, "ct-small-cut-714.dcm");
        File.WriteAllBytes(aborting, File.ReadAllBytes(RealFiles.Pydicom("CT_small.dcm"))[..714]);
        await LoadAsync(_good.Path);
        var before = Assert.Single(DecodeHostPool.IdleProcessIds());

        var crashed = await LoadAsync(_bad.Path);
        var after = Assert.Single(DecodeHostPool.IdleProcessIds());
        var next = await LoadAsync(_good.Path);

        Assert.Equal(StudyLoadStatus.Loaded, crashed.Status);
        var issue = Assert.Single(crashed.SkippedFiles, s => s.FilePath == aborting);
        Assert.Contains("GDCM aborted the decoder process (SIGABRT)", issue.Reason, StringComparison.Ordinal);
        Assert.NotEqual(before, after);
        Assert.True(HasExited(before), $"the host that crashed ({before}) is still running");
        Assert.Equal([after], DecodeHostPool.IdleProcessIds());
        AssertGoodVolume(next);
    }

    [Fact]
    public async Task LoadAsync_WhenHostIdleTimeoutIsZero_StopsTheHostAfterTheLoad()
    {
        // A first load leaves a host waiting; the load with no idle time reuses it and must stop it afterwards.
        AssertGoodVolume(await LoadAsync(_good.Path));
        var host = Assert.Single(DecodeHostPool.IdleProcessIds());

        var result = await LoadAsync(_good.Path, new IsolatedStudyLoaderOptions { HostIdleTimeout = TimeSpan.Zero });

        AssertGoodVolume(result);
        Assert.Empty(DecodeHostPool.IdleProcessIds());
        Assert.True(HasExited(host), $"the host ({host}) is still running after a load with no idle time");
    }

    [Fact]
    public async Task LoadAsync_WhenCancelledWhileTheHostWorks_StopsThatHost()
    {
        // A gigabyte of zeros after a valid meta header keeps GDCM busy for minutes (see BadInputTests).
        var template = File.ReadAllBytes(_goodSlices[0].FilePath);
        var metaEnd = 132 + 12 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(template.AsSpan(132 + 8));
        using (var stream = new FileStream(Path.Combine(_bad.Path, "endless-header.dcm"), FileMode.CreateNew))
        {
            stream.Write(template.AsSpan(0, metaEnd));
            stream.SetLength(1L << 30);
        }

        // A first load leaves a host waiting; the cancelled load reuses it and must stop it, not return it.
        AssertGoodVolume(await LoadAsync(_good.Path));
        var host = Assert.Single(DecodeHostPool.IdleProcessIds());
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new IsolatedStudyLoader().LoadAsync(_bad.Path, cancel.Token));

        Assert.Empty(DecodeHostPool.IdleProcessIds());
        Assert.True(HasExited(host), $"the cancelled host ({host}) is still running");
    }

    private static async Task<StudyLoadResult> LoadAsync(string folder, IsolatedStudyLoaderOptions? options = null)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        return await new IsolatedStudyLoader(options).LoadAsync(folder, guard.Token);
    }

    private static bool HasExited(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    private void AssertGoodVolume(StudyLoadResult result)
    {
        Assert.True(result.Status == StudyLoadStatus.Loaded, $"rejected: {result.Reason}");
        Assert.NotNull(result.Volume);
        for (var k = 0; k < _goodSlices.Count; k++)
        {
            Assert.True(result.Volume.Slice(k).SequenceEqual(_goodSlices[k].Hu), $"slice {k} differs");
        }
    }
}
