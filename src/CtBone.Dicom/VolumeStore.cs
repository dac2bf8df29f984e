using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CtBone.Dicom;

/// <summary>Where <see cref="StudyLoader"/> puts a volume's slices as it decodes them.</summary>
internal abstract class VolumeStore
{
    /// <summary>Makes room for <paramref name="slices"/> slices; called again when a retry chooses the series anew.</summary>
    public abstract void Start(int slices, int sliceLength);

    /// <summary>Where to decode slice <paramref name="k"/>: the volume itself, or <paramref name="buffer"/>, one per thread, made here when needed.</summary>
    public abstract Span<short> SliceTarget(int k, ref short[]? buffer);

    /// <summary>Slice <paramref name="k"/> is decoded into what <see cref="SliceTarget"/> gave.</summary>
    public abstract void SliceWritten(int k, ReadOnlySpan<short> slice);

    public abstract void ReadSlice(int k, Span<short> slice);
}

/// <summary>The volume as the array a <c>CtVolume</c> holds: slices are decoded in place.</summary>
internal sealed class ArrayVolumeStore : VolumeStore
{
    private int _sliceLength;

    public short[]? Hu { get; private set; }

    public override void Start(int slices, int sliceLength)
    {
        _sliceLength = sliceLength;
        Hu = VolumeMemory.Allocate(checked(slices * sliceLength));
    }

    public override Span<short> SliceTarget(int k, ref short[]? buffer) => Hu.AsSpan(k * _sliceLength, _sliceLength);

    public override void SliceWritten(int k, ReadOnlySpan<short> slice)
    {
    }

    public override void ReadSlice(int k, Span<short> slice) => Hu.AsSpan(k * _sliceLength, _sliceLength).CopyTo(slice);
}

/// <summary>
/// The volume as a file of little-endian int16 (the decode host's, in <c>/dev/shm</c>). Each slice is decoded into a
/// buffer of its thread and written with one system call: the kernel copies it into the file's pages, where writing
/// through a fresh memory mapping costs a page fault per 4 KB (bench/README.md).
/// </summary>
internal sealed class FileVolumeStore(string path) : VolumeStore, IDisposable
{
    private SafeFileHandle? _file;
    private int _sliceLength;

    public override void Start(int slices, int sliceLength)
    {
        _file ??= File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        _sliceLength = sliceLength;
        RandomAccess.SetLength(_file, (long)slices * sliceLength * sizeof(short));
    }

    public override Span<short> SliceTarget(int k, ref short[]? buffer)
    {
        if (buffer?.Length != _sliceLength)
        {
            buffer = new short[_sliceLength];
        }

        return buffer;
    }

    public override void SliceWritten(int k, ReadOnlySpan<short> slice) =>
        RandomAccess.Write(Handle, MemoryMarshal.AsBytes(slice), Offset(k));

    public override void ReadSlice(int k, Span<short> slice)
    {
        if (FileBytes.ReadAt(Handle, MemoryMarshal.AsBytes(slice), Offset(k)) != slice.Length * sizeof(short))
        {
            throw new EndOfStreamException($"slice {k} is not in the volume file");
        }
    }

    public void Dispose() => _file?.Dispose();

    private SafeFileHandle Handle => _file ?? throw new InvalidOperationException("Start was not called.");

    private long Offset(int k) => (long)k * _sliceLength * sizeof(short);
}
