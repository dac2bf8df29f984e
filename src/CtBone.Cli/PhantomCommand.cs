using System.Diagnostics;
using System.Globalization;
using CtBone.Core.Phantoms;
using CtBone.Dicom.Writing;
using CtBone.Core.Series;
using CtBone.Core.Spine;

namespace CtBone.Cli;

/// <summary>
/// <c>ctbone phantom OUTDIR [options]</c>: writes a synthetic lumbar CT study with known truth (DICOM series and truth.json).
/// Every option maps to <see cref="PhantomOptions"/>; unset options keep the preset's values.
/// </summary>
internal static class PhantomCommand
{
    public const string Usage =
        "phantom <outdir> [--preset standard|osteopenic|osteoporotic] [--seed N] [--noise HU] [--blur MM] [--matrix N]"
        + " [--pixel-spacing MM] [--slice-thickness MM] [--slice-spacing MM] [--position HFS|FFS] [--offset X,Y]"
        + " [--lordosis DEG] [--scoliosis DEG] [--screws L4,L5] [--fracture L1:mild|moderate|severe[:LOSS]]"
        + " [--contrast none|arterial|portal] [--ribs 11|12|13] [--lumbar 5|6] [--coverage T12-L3]"
        + " [--trabecular-hu L1=75,L2=80] [--cortical-hu HU] [--extra localizer,sagittal,thick,contrast]"
        + " [--syntax explicit|implicit|bigendian|deflate|rle|jpeg|jpegls|j2k|j2k-lossy] [--slope S] [--intercept I]"
        + " [--unsigned] [--bits-stored 12..16] [--names plain|dcm|random] [--flat] [--age YEARS|none] [--sex M|F|O]"
        + " [--birth-date-only] [--kvp KV] [--kernel NAME] [--no-table] [--no-circle] [--overwrite] [--verify]";

    private static readonly Dictionary<string, PixelTransferSyntax> s_syntaxes = new(StringComparer.Ordinal)
    {
        ["explicit"] = PixelTransferSyntax.ExplicitVrLittleEndian,
        ["implicit"] = PixelTransferSyntax.ImplicitVrLittleEndian,
        ["bigendian"] = PixelTransferSyntax.ExplicitVrBigEndian,
        ["deflate"] = PixelTransferSyntax.DeflatedExplicitVrLittleEndian,
        ["rle"] = PixelTransferSyntax.RleLossless,
        ["jpeg"] = PixelTransferSyntax.JpegLossless,
        ["jpegls"] = PixelTransferSyntax.JpegLsLossless,
        ["j2k"] = PixelTransferSyntax.Jpeg2000Lossless,
        ["j2k-lossy"] = PixelTransferSyntax.Jpeg2000Lossy,
    };

    private static readonly Dictionary<string, ExtraSeries> s_extras = new(StringComparer.Ordinal)
    {
        ["localizer"] = ExtraSeries.Localizer,
        ["sagittal"] = ExtraSeries.SagittalReformat,
        ["thick"] = ExtraSeries.ThickAxial,
        ["contrast"] = ExtraSeries.ContrastAxial,
    };

    public static async Task<int> RunAsync(CliArguments args, CancellationToken cancellationToken)
    {
        var outdir = args.Required(0, "output folder");
        var (options, write, overwrite) = Parse(args);
        var verify = args.Flag("verify");
        args.RejectUnknown();

        if (Directory.Exists(outdir) && Directory.EnumerateFileSystemEntries(outdir).Any() && !overwrite)
        {
            throw new CliUsageException($"{outdir} is not empty; give --overwrite to write into it anyway");
        }

        var clock = Stopwatch.StartNew();
        PhantomStudy study;
        try
        {
            study = await Task.Run(() => LumbarPhantom.Generate(options, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(Plain(e));
        }

        var generated = clock.Elapsed;
        var written = await Task.Run(() => PhantomStudyWriter.Write(study, outdir, write, cancellationToken), cancellationToken).ConfigureAwait(false);
        var truth = written.Truth;
        var files = study.Series.Sum(s => s.Volume.Geometry.Slices);
        await Console.Out.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"wrote {study.Series.Count} series, {files} files and {PhantomStudyWriter.TruthFileName} to {outdir} (generated in {generated.TotalSeconds:0.0} s, written in {(clock.Elapsed - generated).TotalSeconds:0.0} s)")).ConfigureAwait(false);
        foreach (var s in truth.Series)
        {
            await Console.Out.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"  {s.Folder,-6} {s.Kind,-16} {s.ImageCount,4} images  {s.SeriesDescription}{(s.IsPrimary ? "  (primary)" : string.Empty)}")).ConfigureAwait(false);
        }

        return verify ? await VerifyAsync(study, written, cancellationToken).ConfigureAwait(false) : CliCommands.Ok;
    }

    /// <summary>Reads every lossless series back through GDCM and compares it voxel for voxel with what was generated.</summary>
    private static async Task<int> VerifyAsync(PhantomStudy study, PhantomWriteResult written, CancellationToken cancellationToken)
    {
        var failed = false;
        foreach (var series in study.Series.Where(s => !s.Attributes.Encoding.TransferSyntax.IsLossy()))
        {
            var files = written.FilesBySeriesUid[series.Attributes.SeriesInstanceUid];
            var differences = await Task.Run(() => WrittenImageReader.CountDifferences(series.Volume, files, cancellationToken), cancellationToken).ConfigureAwait(false);
            failed |= differences > 0;
            await Console.Out.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"verify {series.Attributes.SeriesNumber:000}: {(differences == 0 ? "read back identical" : $"{differences} voxels differ")}")).ConfigureAwait(false);
        }

        return failed ? CliCommands.InternalFailure : CliCommands.Ok;
    }

    private static (PhantomOptions Options, PhantomWriteOptions Write, bool Overwrite) Parse(CliArguments args)
    {
        var preset = args.Choice("preset", "standard", [.. PhantomPresets.Names]);
        var o = PhantomPresets.Get(preset);
        o = o with
        {
            Seed = Integer(args, "seed", o.Seed),
            NoiseSdHu = args.Number("noise", o.NoiseSdHu),
            BlurSigmaMm = args.Number("blur", o.BlurSigmaMm),
            MatrixSize = Integer(args, "matrix", o.MatrixSize),
            PixelSpacingMm = args.Number("pixel-spacing", o.PixelSpacingMm),
            SliceThicknessMm = args.Number("slice-thickness", o.SliceThicknessMm),
            LordosisDegrees = args.Number("lordosis", o.LordosisDegrees),
            ScoliosisDegrees = args.Number("scoliosis", o.ScoliosisDegrees),
            RibPairs = Integer(args, "ribs", o.RibPairs),
            LumbarVertebrae = Integer(args, "lumbar", o.LumbarVertebrae),
            CorticalHu = args.Number("cortical-hu", o.CorticalHu),
            KvP = args.Number("kvp", o.KvP),
            ConvolutionKernel = args.Option("kernel") ?? o.ConvolutionKernel,
            PatientSex = args.Choice("sex", o.PatientSex, "M", "F", "O"),
            WritePatientAge = !args.Flag("birth-date-only"),
            IncludeTable = !args.Flag("no-table"),
            ReconstructionCircle = !args.Flag("no-circle"),
            PatientPosition = args.Choice("position", "HFS", "HFS", "FFS") == "FFS" ? PatientPosition.Ffs : PatientPosition.Hfs,
            Contrast = args.Choice("contrast", "none", "none", "arterial", "portal") switch
            {
                "arterial" => ContrastPhase.Arterial,
                "portal" => ContrastPhase.PortalVenous,
                _ => ContrastPhase.None,
            },
        };

        // Without --slice-spacing the spacing follows the thickness, as contiguous reconstructions do.
        o = o with { SliceSpacingMm = args.Number("slice-spacing", o.SliceThicknessMm) };

        if (args.Option("offset") is { } offset)
        {
            var parts = offset.Split(',');
            if (parts.Length != 2 || !TryNumber(parts[0], out var x) || !TryNumber(parts[1], out var y))
            {
                throw new CliUsageException("--offset needs X,Y in mm, e.g. 20,-10");
            }

            o = o with { PatientOffsetXMm = x, PatientOffsetYMm = y };
        }

        if (args.Option("screws") is { } screws)
        {
            o = o with { ScrewLevels = [.. List(screws).Select(Level)] };
        }

        if (args.Option("fracture") is { } fracture)
        {
            o = o with { Fracture = Fracture(fracture) };
        }

        if (args.Option("coverage") is { } coverage)
        {
            var parts = coverage.Split('-', ':');
            if (parts.Length != 2)
            {
                throw new CliUsageException("--coverage needs FROM-TO levels, e.g. T12-L3");
            }

            o = o with { CoverageFromLevel = Level(parts[0]), CoverageToLevel = Level(parts[1]) };
        }

        if (args.Option("trabecular-hu") is { } trabecular)
        {
            var values = new Dictionary<string, double>(o.TrabecularHu, StringComparer.OrdinalIgnoreCase);
            foreach (var item in List(trabecular))
            {
                var pair = item.Split('=');
                if (pair.Length != 2 || !TryNumber(pair[1], out var hu))
                {
                    throw new CliUsageException($"--trabecular-hu needs LEVEL=HU pairs, got '{item}'");
                }

                values[Level(pair[0])] = hu;
            }

            o = o with { TrabecularHu = values };
        }

        if (args.Option("extra") is { } extra)
        {
            var flags = ExtraSeries.None;
            foreach (var name in List(extra))
            {
                flags |= s_extras.TryGetValue(name, out var flag)
                    ? flag
                    : throw new CliUsageException($"--extra takes {string.Join(", ", s_extras.Keys)}; got '{name}'");
            }

            o = o with { Extras = flags };
        }

        if (args.Option("age") is { } age)
        {
            o = o with
            {
                PatientAgeYears = age == "none" ? null
                    : int.TryParse(age, NumberStyles.None, CultureInfo.InvariantCulture, out var years) ? years
                    : throw new CliUsageException("--age needs whole years or 'none'"),
            };
        }

        var syntaxName = args.Choice("syntax", "explicit", [.. s_syntaxes.Keys]);
        o = o with
        {
            Encoding = o.Encoding with
            {
                TransferSyntax = s_syntaxes[syntaxName],
                RescaleSlope = args.Number("slope", o.Encoding.RescaleSlope),
                RescaleIntercept = args.Number("intercept", o.Encoding.RescaleIntercept),
                IsSigned = !args.Flag("unsigned"),
                BitsStored = Integer(args, "bits-stored", o.Encoding.BitsStored),
            },
        };

        var write = new PhantomWriteOptions
        {
            Naming = args.Choice("names", "plain", "plain", "dcm", "random") switch
            {
                "dcm" => DicomFileNaming.DcmExtension,
                "random" => DicomFileNaming.Random,
                _ => DicomFileNaming.Plain,
            },
            SeriesFolders = !args.Flag("flat"),
        };

        try
        {
            o.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(Plain(e));
        }

        return (o, write, args.Flag("overwrite"));
    }

    /// <summary>The message without the " (Parameter 'x')" that ArgumentException appends.</summary>
    private static string Plain(ArgumentException e) =>
        e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal) : e.Message;

    private static VertebralFracture Fracture(string text)
    {
        var parts = text.Split(':');
        if (parts.Length is < 2 or > 3)
        {
            throw new CliUsageException("--fracture needs LEVEL:GRADE[:LOSS], e.g. L1:moderate or L1:moderate:0.3");
        }

        var grade = parts[1].ToUpperInvariant() switch
        {
            "MILD" => FractureGrade.Mild,
            "MODERATE" => FractureGrade.Moderate,
            "SEVERE" => FractureGrade.Severe,
            _ => throw new CliUsageException("--fracture grade must be mild, moderate or severe"),
        };
        double? loss = null;
        if (parts.Length == 3)
        {
            loss = TryNumber(parts[2], out var value) ? value : throw new CliUsageException("--fracture loss must be a fraction, e.g. 0.3");
        }

        return new VertebralFracture(Level(parts[0]), grade, loss);
    }

    private static string Level(string text)
    {
        try
        {
            return SpineLevels.Normalize(text);
        }
        catch (ArgumentException)
        {
            throw new CliUsageException($"unknown vertebral level '{text}'");
        }
    }

    private static string[] List(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    private static int Integer(CliArguments args, string name, int fallback)
    {
        var value = args.Number(name, fallback);
        return value == Math.Floor(value) && Math.Abs(value) < int.MaxValue
            ? (int)value
            : throw new CliUsageException($"--{name} needs a whole number");
    }
}
