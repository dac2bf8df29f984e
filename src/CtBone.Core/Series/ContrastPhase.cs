namespace CtBone.Core.Series;

/// <summary>Phase of an intravenous contrast injection, as written by the phantom or as detected from aorta HU and DICOM tags.</summary>
public enum ContrastPhase
{
    None,
    Arterial,
    PortalVenous,

    /// <summary>Contrast is present or suspected but its phase cannot be told, or nothing can be measured.</summary>
    Unknown,
}
