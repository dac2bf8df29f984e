using Dapper;

namespace CtBone.Store;

/// <summary>
/// The SQL of one page of <see cref="AnalysisStore.ListAsync"/>: the count of what the filters match and the page's rows,
/// with their parameters. Apart from running them so that a test can ask each database how it would answer.
/// </summary>
internal sealed record ListStatement(string Count, string Page, DynamicParameters Parameters, int PageNumber, int PageSize)
{
    private const string Columns = """
        id, study_instance_uid, series_instance_uid, algorithm_version, source_kind, source_ref, instance_count, state, reason,
        is_current, superseded_by, attempts, lease_owner, lease_until, created_at, started_at, finished_at, patient_id,
        patient_name, accession_number, study_date, category, severity, flagged, level_used, screening_hu, scanner, reviewed_at, reviewed_by
        """;

    public static ListStatement For(AnalysisQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var page = Math.Max(1, query.Page);
        var size = Math.Clamp(query.PageSize, 1, AnalysisStore.MaxPageSize);
        var where = new List<string>();
        var parameters = new DynamicParameters();
        if (query.CurrentOnly)
        {
            where.Add("(is_current = 1 or state <> 'completed')");
        }

        if (query.Flagged is { } flagged)
        {
            // A literal, not a parameter: with the condition above it is the worklist index's own (FindingsDatabase), and a
            // plan made for any value of a parameter (PostgreSQL's generic plan of a statement prepared once) cannot use it.
            where.Add(flagged ? "flagged = 1" : "flagged = 0");
        }

        if (query.Category is { } category)
        {
            where.Add("category = @category");
            parameters.Add("category", AnalysisStore.Text(category));
        }

        if (query.State is { } state)
        {
            where.Add("state = @state");
            parameters.Add("state", AnalysisStore.Text(state));
        }

        if (query.From is { } from)
        {
            where.Add("study_date >= @from");
            parameters.Add("from", StoreTime.Text(from));
        }

        if (query.To is { } to)
        {
            where.Add("study_date <= @to");
            parameters.Add("to", StoreTime.Text(to));
        }

        if (!string.IsNullOrWhiteSpace(query.Patient))
        {
            // Folded by .NET on both sides: SQLite's lower() knows only ASCII, so "müller" would miss "MÜLLER" there.
            // The name part is matched literally: '%' and '_' in it are escaped, not wildcards.
            where.Add("(patient_id = @patient or patient_name_folded like @patientName escape '\\')");
            parameters.Add("patient", query.Patient.Trim());
            parameters.Add("patientName", "%" + LikeLiteral(query.Patient.Trim().ToLowerInvariant()) + "%");
        }

        if (!string.IsNullOrWhiteSpace(query.Accession))
        {
            where.Add("accession_number = @accession");
            parameters.Add("accession", query.Accession.Trim());
        }

        if (!string.IsNullOrWhiteSpace(query.Severity))
        {
            where.Add("severity = @severity");
            parameters.Add("severity", query.Severity.Trim());
        }

        if (!string.IsNullOrWhiteSpace(query.Scanner))
        {
            where.Add("scanner = @scanner");
            parameters.Add("scanner", query.Scanner.Trim());
        }

        if (query.Reviewed is { } reviewed)
        {
            where.Add(reviewed ? "reviewed_at is not null" : "reviewed_at is null");
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            where.Add("(patient_id = @search or accession_number = @search or patient_name_folded like @searchName escape '\\')");
            parameters.Add("search", query.Search.Trim());
            parameters.Add("searchName", "%" + LikeLiteral(query.Search.Trim().ToLowerInvariant()) + "%");
        }

        var filter = where.Count == 0 ? string.Empty : " where " + string.Join(" and ", where);
        parameters.Add("limit", size);
        parameters.Add("offset", (page - 1) * size);

        // The page's ids first, from the indexes alone, then those rows: PostgreSQL otherwise reads every row the offset
        // skips from the table (a page 50 deep: 16 against 3 ms at 10,000 analyses).
        return new ListStatement(
            $"select count(*) from analyses{filter}",
            $"""
            select {Columns} from analyses
            where id in (select id from analyses{filter} order by created_at desc, id desc limit @limit offset @offset)
            order by created_at desc, id desc
            """,
            parameters,
            page,
            size);
    }

    private static string LikeLiteral(string text) => text
        .Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("%", "\\%", StringComparison.Ordinal)
        .Replace("_", "\\_", StringComparison.Ordinal);
}
