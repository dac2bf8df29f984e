namespace CtBone.TestSupport;

/// <summary>The guard for servers that cannot bind to loopback only (Orthanc 1.10 listens on 0.0.0.0, shared/STACK.md).</summary>
public static class NetworkNamespace
{
    public const string Instructions = "the Orthanc tests must run inside a private network namespace: use `bash .ci/test`";

    /// <summary>Throws unless this process's network namespace has no interface but an up <c>lo</c>.</summary>
    public static void EnsurePrivate()
    {
        // `ip` asks the kernel over netlink, which sees this process's namespace; /sys/class/net may still show the host's.
        var links = ExternalProgram.Run("ip", ["-o", "link", "show"])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var names = links.Select(InterfaceName).ToList();
        var others = names.Where(n => n != "lo").ToList();
        if (others.Count > 0)
        {
            throw new InvalidOperationException($"{Instructions} (this one has {string.Join(", ", others)})");
        }

        if (!links.Any(l => InterfaceName(l) == "lo" && l.Contains(",UP", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"{Instructions} (lo is down here: `ip link set lo up` first)");
        }
    }

    /// <summary>"2: eth0@if7: &lt;BROADCAST,...&gt; ..." gives "eth0".</summary>
    private static string InterfaceName(string line)
    {
        var name = line.Split(':', 3)[1].Trim();
        var at = name.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? name : name[..at];
    }
}
