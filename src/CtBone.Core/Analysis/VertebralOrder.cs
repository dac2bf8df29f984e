using System.Globalization;

namespace CtBone.Core.Analysis;

/// <summary>
/// Level names as the labeler writes them, in head-to-feet order: T1 to T12, then L1, L2 ... (L6 and beyond in
/// transitional anatomy). Names not anchored to anatomy ("V1", counted from the bottom) and sacral ones have no place here.
/// </summary>
public static class VertebralOrder
{
    private const int ThoracicCount = 12;
    private const int MaxLumbar = 9;

    /// <summary>Position from the top: T1 is 1, T12 is 12, L1 is 13; null for a name outside the T and L sequence.</summary>
    public static int? Position(string? level)
    {
        if (string.IsNullOrWhiteSpace(level) || level.Length < 2
            || !int.TryParse(level.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
        {
            return null;
        }

        return char.ToUpperInvariant(level[0]) switch
        {
            'T' when n <= ThoracicCount => n,
            'L' when n <= MaxLumbar => ThoracicCount + n,
            _ => null,
        };
    }

    /// <summary>The name at a position of <see cref="Position"/>; null outside T1 to L9.</summary>
    public static string? Name(int position) => position switch
    {
        >= 1 and <= ThoracicCount => "T" + position.ToString(CultureInfo.InvariantCulture),
        > ThoracicCount and <= ThoracicCount + MaxLumbar => "L" + (position - ThoracicCount).ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>The name <paramref name="levels"/> further down (negative: up); null when either end is outside the sequence.</summary>
    public static string? Shift(string level, int levels) => Position(level) is { } p ? Name(p + levels) : null;

    /// <summary>Orders names head to feet; names outside the sequence go last, by name.</summary>
    public static IEnumerable<string> HeadToFeet(IEnumerable<string> levels) =>
        levels.OrderBy(l => Position(l) ?? int.MaxValue).ThenBy(l => l, StringComparer.OrdinalIgnoreCase);
}
