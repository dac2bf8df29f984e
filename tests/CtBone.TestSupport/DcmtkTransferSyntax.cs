namespace CtBone.TestSupport;

/// <summary>The storescu proposal that sends files of a transfer syntax unchanged.</summary>
internal static class DcmtkTransferSyntax
{
    /// <summary>storescu's options for files in <paramref name="transferSyntaxUid"/> (storescu --help, "proposed transmission transfer syntaxes").</summary>
    public static IReadOnlyList<string> StorescuProposal(string transferSyntaxUid) => transferSyntaxUid switch
    {
        "1.2.840.10008.1.2" or "1.2.840.10008.1.2.1" or "1.2.840.10008.1.2.2" => [],
        "1.2.840.10008.1.2.1.99" => ["-xd"],
        "1.2.840.10008.1.2.4.50" => ["-xy"],
        "1.2.840.10008.1.2.4.51" => ["-xx"],
        "1.2.840.10008.1.2.4.70" => ["-xs"],
        "1.2.840.10008.1.2.4.80" => ["-xt"],
        "1.2.840.10008.1.2.4.81" => ["-xu"],
        "1.2.840.10008.1.2.4.90" => ["-xv"],
        "1.2.840.10008.1.2.4.91" => ["-xw"],
        "1.2.840.10008.1.2.5" => ["-xr"],
        _ => throw new NotSupportedException($"storescu cannot propose transfer syntax {transferSyntaxUid} without transcoding"),
    };
}
