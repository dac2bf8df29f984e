using System.Runtime.CompilerServices;

namespace CtBone.Dicom;

internal static class GdcmSetup
{
    // GDCM writes its warnings straight to stderr, one per file (e.g. "Incomplete Pixel Data found"). CtBone records
    // its own reasons for every file instead, so the noise is switched off once, before any GDCM call in this assembly.
#pragma warning disable CA2255 // A module initializer is the one place that runs before any GDCM type is touched.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void SilenceWarnings() => gdcm.Trace.WarningOff();
}
