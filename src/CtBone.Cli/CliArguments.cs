using System.Globalization;

namespace CtBone.Cli;

/// <summary>Positional arguments and <c>--name value</c> / <c>--flag</c> options of one verb.</summary>
internal sealed class CliArguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    public static CliArguments Parse(ReadOnlySpan<string> args)
    {
        var parsed = new CliArguments();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                parsed.Positional.Add(arg);
                continue;
            }

            var name = arg[2..];
            string? value = null;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }

            if (!parsed._options.TryAdd(name, value))
            {
                throw new ArgumentException($"option --{name} given twice");
            }
        }

        return parsed;
    }

    public string Required(int position, string what) =>
        position < Positional.Count ? Positional[position] : throw new CliUsageException($"missing {what}");

    public string? Option(string name)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out var value) ? value : null;
    }

    public bool Flag(string name)
    {
        _read.Add(name);
        return _options.ContainsKey(name);
    }

    public string Choice(string name, string fallback, params string[] allowed)
    {
        var value = Option(name) ?? fallback;
        return allowed.Contains(value, StringComparer.Ordinal)
            ? value
            : throw new CliUsageException($"--{name} must be one of {string.Join(", ", allowed)}");
    }

    public double Number(string name, double fallback)
    {
        var text = Option(name);
        if (text is null)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CliUsageException($"--{name} needs a number, got '{text}'");
    }

    /// <summary>Throws when an option was given that the verb never asked for: a typo should not be ignored.</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new CliUsageException("unknown option " + string.Join(", ", unknown.Select(u => "--" + u)));
        }
    }
}
