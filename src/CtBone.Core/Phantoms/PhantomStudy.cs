using CtBone.Core.Volumes;

namespace CtBone.Core.Phantoms;

/// <summary>
/// One generated series: voxels with their geometry, and the attributes to write them with. Slice k of the volume is the
/// image with InstanceNumber k + 1, so the volume's slice order is the acquisition order (see <see cref="PatientPosition"/>).
/// The voxels already fit the series' <see cref="StorageEncoding"/>: writing and reading back gives the same values.
/// </summary>
public sealed record PhantomSeries(CtVolume Volume, SeriesAttributes Attributes);

/// <summary>A generated study: its series (the primary one first) and the truth behind them.</summary>
public sealed record PhantomStudy(IReadOnlyList<PhantomSeries> Series, PhantomTruth Truth)
{
    public PhantomSeries Primary => Series.First(s => s.Attributes.Kind == SeriesKind.PrimaryAxial);
}
