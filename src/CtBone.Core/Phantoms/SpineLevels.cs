namespace CtBone.Core.Phantoms;

/// <summary>
/// The vertebrae a phantom models, named from the top down. The phantom's names follow its own anatomy:
/// thoracic vertebrae are T9..T12 (and T13 when there are 13 rib pairs), lumbar L1..L5 (or L6), then the sacral segments S1..S3.
/// With 11 rib pairs T12 keeps its name but carries no rib, so "first vertebra below the last rib" and
/// "fifth vertebra above the sacrum" disagree, as they do in such patients.
/// </summary>
public static class SpineLevels
{
    private static readonly string[] s_known = ["T9", "T10", "T11", "T12", "T13", "L1", "L2", "L3", "L4", "L5", "L6", "S1", "S2", "S3"];

    /// <summary>Presacral levels in the model, top (T9) first.</summary>
    public static IReadOnlyList<string> Presacral(int ribPairs, int lumbarVertebrae)
    {
        var levels = new List<string> { "T9", "T10", "T11", "T12" };
        if (ribPairs >= 13)
        {
            levels.Add("T13");
        }

        for (var i = 1; i <= lumbarVertebrae; i++)
        {
            levels.Add(FormattableString.Invariant($"L{i}"));
        }

        return levels;
    }

    /// <summary>Every modelled level, top first: the presacral ones then S1, S2, S3.</summary>
    public static IReadOnlyList<string> All(int ribPairs, int lumbarVertebrae) => [.. Presacral(ribPairs, lumbarVertebrae), "S1", "S2", "S3"];

    /// <summary>Whether a vertebra carries ribs: every thoracic one, except T12 when there are only 11 pairs.</summary>
    public static bool HasRibs(string level, int ribPairs)
    {
        ArgumentNullException.ThrowIfNull(level);
        return level.StartsWith('T') && !(ribPairs == 11 && level == "T12");
    }

    public static bool IsKnown(string level) => s_known.Contains(level, StringComparer.OrdinalIgnoreCase);

    /// <summary>Index of a level in a list, ignoring case; −1 when absent.</summary>
    public static int IndexOf(IReadOnlyList<string> levels, string level)
    {
        ArgumentNullException.ThrowIfNull(levels);
        for (var i = 0; i < levels.Count; i++)
        {
            if (string.Equals(levels[i], level, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The canonical (upper-case) spelling of a known level.</summary>
    public static string Normalize(string level)
    {
        ArgumentNullException.ThrowIfNull(level);
        return s_known.FirstOrDefault(k => string.Equals(k, level.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown vertebral level '{level}'.", nameof(level));
    }
}
