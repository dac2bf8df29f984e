using System.Globalization;
using System.Text;
using CtBone.Core.Screening;
using CtBone.Store;
using Microsoft.AspNetCore.Http;

namespace CtBone.Api.Web;

/// <summary>The worklist's filters as the form sends them (GET), and what the store is asked for.</summary>
public sealed record WorklistFilter
{
    public const int PageSize = 50;

    /// <summary>Patient ID (MRN) or accession exactly, or part of the patient name.</summary>
    public string? Search { get; init; }

    public string? Category { get; init; }

    public string? Severity { get; init; }

    public string? From { get; init; }

    public string? To { get; init; }

    public string? Scanner { get; init; }

    /// <summary>"yes", "no" or empty (either).</summary>
    public string? Reviewed { get; init; }

    /// <summary>"flagged" (default) or "all".</summary>
    public string Show { get; init; } = "flagged";

    public int Page { get; init; } = 1;

    /// <summary>Reads the form; a value that cannot be used is dropped and said in <paramref name="problems"/>.</summary>
    public static (WorklistFilter Filter, AnalysisQuery Query) Parse(IQueryCollection query, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(problems);
        string? Text(string name) => query[name].ToString() is { Length: > 0 } value ? value.Trim() : null;

        var category = Text("category");
        ScreeningCategory? categoryValue = null;
        if (category is not null)
        {
            if (Enum.GetNames<ScreeningCategory>().FirstOrDefault(n => n.Equals(category, StringComparison.OrdinalIgnoreCase)) is { } known)
            {
                categoryValue = Enum.Parse<ScreeningCategory>(known);
            }
            else
            {
                problems.Add($"unknown category '{category}' ignored");
                category = null;
            }
        }

        DateOnly? Date(string name)
        {
            if (Text(name) is not { } text)
            {
                return null;
            }

            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return date;
            }

            problems.Add($"{name} date '{text}' ignored: use yyyy-mm-dd");
            return null;
        }

        var from = Date("from");
        var to = Date("to");
        var reviewed = Text("reviewed") is "yes" or "no" ? Text("reviewed") : null;
        var show = Text("show") == "all" ? "all" : "flagged";
        var page = int.TryParse(Text("page"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p >= 1 ? p : 1;
        var severity = Text("severity") == "severe" ? "severe" : null;
        var filter = new WorklistFilter
        {
            Search = Text("q"),
            Category = category,
            Severity = severity,
            From = from is null ? null : Text("from"),
            To = to is null ? null : Text("to"),
            Scanner = Text("scanner"),
            Reviewed = reviewed,
            Show = show,
            Page = page,
        };
        return (filter, new AnalysisQuery
        {
            Flagged = show == "flagged" ? true : null,
            Category = categoryValue,
            Severity = severity,
            From = from,
            To = to,
            Scanner = filter.Scanner,
            Reviewed = reviewed switch { "yes" => true, "no" => false, _ => null },
            Search = filter.Search,
            Page = page,
            PageSize = PageSize,
        });
    }

    /// <summary>This filter's query string for another page of results.</summary>
    public string Link(int page)
    {
        var parts = new List<(string, string?)>
        {
            ("q", Search), ("category", Category), ("severity", Severity), ("from", From), ("to", To), ("scanner", Scanner),
            ("reviewed", Reviewed), ("show", Show == "flagged" ? null : Show), ("page", page == 1 ? null : page.ToString(CultureInfo.InvariantCulture)),
        };
        var text = new StringBuilder("/worklist");
        var separator = '?';
        foreach (var (name, value) in parts.Where(p => p.Item2 is not null))
        {
            text.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value!));
            separator = '&';
        }

        return text.ToString();
    }

    /// <summary>The filters for the audit log, without the values that identify a patient.</summary>
    public string Audited() => string.Join('&', new[]
    {
        Search is null ? null : "q=*", Category is null ? null : "category=" + Category, Severity is null ? null : "severity=" + Severity,
        From is null ? null : "from=" + From, To is null ? null : "to=" + To, Scanner is null ? null : "scanner=" + Scanner,
        Reviewed is null ? null : "reviewed=" + Reviewed, "show=" + Show, "page=" + Page.ToString(CultureInfo.InvariantCulture),
    }.Where(p => p is not null));
}

/// <summary>One page of the worklist.</summary>
public sealed record WorklistView(PageUser User, WorklistFilter Filter, AnalysisPage Results, IReadOnlyList<string> Scanners, IReadOnlyList<string> Problems)
{
    public int PageCount => Math.Max(1, (Results.Total + Results.PageSize - 1) / Results.PageSize);
}
