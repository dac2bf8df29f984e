using System.Globalization;
using System.Text;
using System.Text.Json;
using CtBone.Core;
using CtBone.Core.Series;
using CtBone.Dicom;
using CtBone.Dicom.Isolation;

namespace CtBone.Cli;

/// <summary><c>ctbone inspect FOLDER [--format json|table]</c>: what is in a folder, which series would be measured and why, and its volume.</summary>
internal static class InspectCommand
{
    public static async Task<int> RunAsync(CliArguments args, CancellationToken cancellationToken)
    {
        var folder = args.Required(0, "folder");
        var format = args.Choice("format", "table", "json", "table");
        args.RejectUnknown();

        var result = await new IsolatedStudyLoader().LoadAsync(folder, cancellationToken).ConfigureAwait(false);
        var output = format == "json"
            ? JsonSerializer.Serialize(result, CtBoneJson.Indented)
            : Table(result);
        await Console.Out.WriteLineAsync(output).ConfigureAwait(false);
        if (result.Status == StudyLoadStatus.Rejected)
        {
            await Console.Error.WriteLineAsync("rejected: " + result.Reason).ConfigureAwait(false);
            return CliCommands.RejectedInput;
        }

        return CliCommands.Ok;
    }

    private static string Table(StudyLoadResult r)
    {
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));

        Line($"status      {r.Status}{(r.Reason is null ? string.Empty : ": " + r.Reason)}");
        Line($"files       {r.FilesScanned} scanned, {r.SkippedFiles.Count} skipped");
        foreach (var group in r.SkippedFiles.GroupBy(s => s.Reason).OrderByDescending(g => g.Count()))
        {
            Line($"  skipped   {group.Count(),4} x {group.Key} (e.g. {Path.GetFileName(group.First().FilePath)})");
        }

        Line($"series      {r.Series.Count}");
        foreach (var s in r.Series.OrderByDescending(s => s.Chosen).ThenBy(s => s.SeriesNumber ?? int.MaxValue))
        {
            var mark = s.Chosen ? "*" : s.Eligible ? "+" : "-";
            Line($"  {mark} {s.SeriesNumber?.ToString(CultureInfo.InvariantCulture) ?? "?",4} {s.Modality ?? "?",-3} {s.Plane,-9} {s.ImageCount,5} img  {Mm(s.SliceThicknessMm),7}  {s.SeriesDescription ?? string.Empty}");
            Line($"           {s.Reason}");
        }

        if (r.Geometry is { } g)
        {
            Line($"study       {r.StudyInstanceUid}");
            Line($"series uid  {r.SeriesInstanceUid}");
            Line($"syntax      {TransferSyntaxName.Of(r.TransferSyntaxUid)}");
            Line($"volume      {g.Columns} x {g.Rows} x {g.Slices} voxels, {g.ColumnSpacingMm:0.###} x {g.RowSpacingMm:0.###} x {g.SliceSpacingMm:0.###} mm");
            Line($"origin      {g.OriginMm} mm (LPS)");
            Line($"directions  row {g.RowDirection}  column {g.ColumnDirection}  slice {g.SliceDirection}");
        }

        if (r.Acquisition is { } a)
        {
            Line($"scanner     {a.Manufacturer ?? "?"} {a.ManufacturerModelName ?? string.Empty}");
            Line($"kVp         {a.KvP?.ToString("0.#", CultureInfo.InvariantCulture) ?? "not recorded"}");
            Line($"kernel      {a.ConvolutionKernel ?? "not recorded"}");
            Line($"contrast    {a.ContrastBolusAgent ?? "none recorded"}");
            Line($"thickness   {Mm(a.SliceThicknessMm)}");
            Line($"patient     age {(a.PatientAge is { } age ? $"{age.Years:0.#} y (from {age.Source})" : "unknown")}, sex {a.PatientSex ?? "unknown"}");
        }

        if (r.Volume is { } v)
        {
            var hu = v.Hu;
            long sum = 0;
            short min = short.MaxValue, max = short.MinValue;
            foreach (var h in hu)
            {
                sum += h;
                min = Math.Min(min, h);
                max = Math.Max(max, h);
            }

            Line($"HU          min {min}, max {max}, mean {(double)sum / hu.Length:0.#}");
        }

        foreach (var w in r.Warnings)
        {
            Line($"warning     {w}");
        }

        Line($"timing      scan {r.Timings.ScanMs:0} ms, decode {r.Timings.DecodeMs:0} ms ({r.Timings.DecodeMbPerSecond:0} MB/s), total {r.Timings.TotalMs:0} ms");
        return text.ToString().TrimEnd();
    }

    private static string Mm(double? value) => value is { } v ? v.ToString("0.##", CultureInfo.InvariantCulture) + " mm" : "? mm";
}
