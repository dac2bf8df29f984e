using System.Text.RegularExpressions;

namespace CtBone.Core.Series;

/// <summary>Whether a ConvolutionKernel (0018,1210) is a smooth soft-tissue kernel or a sharp bone or lung one.</summary>
public enum KernelSharpness
{
    Unknown,
    Soft,
    Sharp,
}

public static partial class ReconstructionKernel
{
    /// <summary>
    /// Classifies vendor kernel names: GE words (STANDARD, SOFT, BONE, LUNG, DETAIL), Siemens letters with a number
    /// (B30f, Br40, I31f soft; B60f, Br64, B70f sharp), Canon/Toshiba FC numbers (FC01 to FC20 soft, FC30 and up
    /// sharp) and Philips letters (A, B, C soft; D, E, L, Y-sharp). Kernel choice changes trabecular HU little
    /// (about 0.2% in phantoms, CLINICAL.md), so this only ranks otherwise equal series.
    /// </summary>
    public static KernelSharpness Classify(string? kernel)
    {
        if (string.IsNullOrWhiteSpace(kernel))
        {
            return KernelSharpness.Unknown;
        }

        var k = kernel.Trim().ToUpperInvariant();
        if (k.Contains("BONE", StringComparison.Ordinal) || k.Contains("LUNG", StringComparison.Ordinal) || k.Contains("SHARP", StringComparison.Ordinal)
            || k.Contains("DETAIL", StringComparison.Ordinal) || k.Contains("EDGE", StringComparison.Ordinal))
        {
            return KernelSharpness.Sharp;
        }

        if (k.Contains("SOFT", StringComparison.Ordinal) || k.Contains("STANDARD", StringComparison.Ordinal) || k.Contains("STND", StringComparison.Ordinal)
            || k.Contains("BODY", StringComparison.Ordinal) || k.Contains("SMOOTH", StringComparison.Ordinal))
        {
            return KernelSharpness.Soft;
        }

        var siemens = SiemensKernel().Match(k);
        if (siemens.Success)
        {
            return int.Parse(siemens.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 50 ? KernelSharpness.Sharp : KernelSharpness.Soft;
        }

        var canon = CanonKernel().Match(k);
        if (canon.Success)
        {
            return int.Parse(canon.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 30 ? KernelSharpness.Sharp : KernelSharpness.Soft;
        }

        return k switch
        {
            "A" or "B" or "C" or "YA" or "YB" => KernelSharpness.Soft,
            "D" or "E" or "L" or "YC" or "YD" or "YE" => KernelSharpness.Sharp,
            _ => KernelSharpness.Unknown,
        };
    }

    [GeneratedRegex(@"^[BIQHDJT]R?(\d{2})[A-Z]?\b")]
    private static partial Regex SiemensKernel();

    [GeneratedRegex(@"^FC(\d{2})")]
    private static partial Regex CanonKernel();
}
