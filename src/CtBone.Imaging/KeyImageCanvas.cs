using SkiaSharp;

namespace CtBone.Imaging;

/// <summary>How a label is placed and drawn.</summary>
/// <param name="Align">Horizontal alignment about the given x.</param>
/// <param name="Bold">Emboldened glyphs (DejaVu Sans is loaded from one file, so bold is synthesised).</param>
/// <param name="Halo">A dark outline, for text drawn over the image rather than on a plain band.</param>
internal readonly record struct TextStyle(SKTextAlign Align = SKTextAlign.Left, bool Bold = false, bool Halo = false);

/// <summary>
/// The one place that talks to SkiaSharp: a raster image with grey rows written straight into its pixels, shapes and text
/// drawn over them, and PNG encoding. Swapping the image library means rewriting this class only.
/// </summary>
internal sealed class KeyImageCanvas : IDisposable
{
    // A study's key images all use one font: it is loaded and checked once per path and kept for the process's life.
    // A path that fails is not remembered, so a font installed later is found.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SKTypeface> s_typefaces = new(StringComparer.Ordinal);

    private readonly SKBitmap _bitmap;
    private readonly SKCanvas _canvas;
    private readonly SKTypeface _typeface;

    public KeyImageCanvas(int width, int height, string fontPath, SKColor background)
    {
        _typeface = s_typefaces.GetOrAdd(fontPath, LoadTypeface);
        _bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        _canvas = new SKCanvas(_bitmap);
        _canvas.Clear(background);
    }

    public int Width => _bitmap.Width;

    public int Height => _bitmap.Height;

    /// <summary>
    /// Loads the label font, failing loudly: SkiaSharp's NoDependencies build has no fallback font and would otherwise draw
    /// every label as nothing (shared/STACK.md).
    /// </summary>
    public static SKTypeface LoadTypeface(string fontPath)
    {
        if (!File.Exists(fontPath))
        {
            throw new FileNotFoundException(
                $"Key-image font not found at '{fontPath}'. Install Debian's fonts-dejavu-core or set KeyImageOptions.FontPath; " +
                "without a font file no label can be drawn.",
                fontPath);
        }

        var typeface = SKTypeface.FromFile(fontPath)
            ?? throw new InvalidDataException($"Key-image font '{fontPath}' is not a font SkiaSharp can read.");
        using var probe = new SKFont(typeface, 12);
        if (!probe.ContainsGlyphs("L0123456789±²…–"))
        {
            typeface.Dispose();
            throw new InvalidDataException($"Key-image font '{fontPath}' lacks glyphs the labels need (digits, ±, ², …).");
        }

        return typeface;
    }

    /// <summary>Writes grey pixels into row <paramref name="y"/> from column <paramref name="x"/> on.</summary>
    public void PutGreyRow(int x, int y, ReadOnlySpan<byte> greys)
    {
        var row = _bitmap.GetPixelSpan(x, y);
        for (var n = 0; n < greys.Length; n++)
        {
            var g = greys[n];
            row[4 * n] = g;
            row[(4 * n) + 1] = g;
            row[(4 * n) + 2] = g;
            row[(4 * n) + 3] = 255;
        }
    }

    /// <summary>Draws a PNG (such as a stored overview reformat) with its top left corner at (<paramref name="x"/>, <paramref name="y"/>), pixel for pixel.</summary>
    public void DrawPng(byte[] png, int x, int y)
    {
        using var picture = SKBitmap.Decode(png) ?? throw new ArgumentException("not a PNG SkiaSharp can decode", nameof(png));
        using var image = SKImage.FromBitmap(picture);
        _canvas.DrawImage(image, x, y, SKSamplingOptions.Default);
    }

    public void FillRect(float x, float y, float width, float height, SKColor color)
    {
        using var paint = new SKPaint { Color = color, Style = SKPaintStyle.Fill };
        _canvas.DrawRect(x, y, width, height, paint);
    }

    public void Text(string text, float x, float baselineY, float sizePx, SKColor color, TextStyle style = default)
    {
        using var font = Font(sizePx, style.Bold);
        if (style.Halo)
        {
            using var halo = new SKPaint
            {
                Color = new SKColor(0, 0, 0, 220), Style = SKPaintStyle.Stroke, StrokeWidth = Math.Max(2, sizePx / 5), IsAntialias = true,
                StrokeJoin = SKStrokeJoin.Round,
            };
            _canvas.DrawText(text, x, baselineY, style.Align, font, halo);
        }

        using var paint = new SKPaint { Color = color, Style = SKPaintStyle.Fill, IsAntialias = true };
        _canvas.DrawText(text, x, baselineY, style.Align, font, paint);
    }

    /// <summary>The patient direction each edge of an image area faces, one letter at the middle of each edge.</summary>
    public void OrientationLetters(float top, float width, float height, string up, string down, string left, string right)
    {
        var style = new TextStyle(SKTextAlign.Center, Bold: true, Halo: true);
        const float Size = 17;
        Letter(up, width / 2, top + 22);
        Letter(down, width / 2, top + height - 10);
        Letter(left, 14, top + (height / 2) + 6);
        Letter(right, width - 14, top + (height / 2) + 6);

        void Letter(string letter, float x, float y) => Text(letter, x, y, Size, KeyImagePalette.Text, style);
    }

    public float MeasureText(string text, float sizePx, bool bold = false)
    {
        using var font = Font(sizePx, bold);
        return font.MeasureText(text);
    }

    /// <summary>The text, cut with an ellipsis where it would run past <paramref name="maxWidth"/> pixels.</summary>
    public string Fit(string text, float sizePx, float maxWidth, bool bold = false)
    {
        if (MeasureText(text, sizePx, bold) <= maxWidth)
        {
            return text;
        }

        // The longest prefix that fits with its ellipsis, found by halving rather than one character at a time.
        var (fits, tooLong) = (1, text.Length);
        while (tooLong - fits > 1)
        {
            var middle = (fits + tooLong) / 2;
            (fits, tooLong) = MeasureText(string.Concat(text.AsSpan(0, middle), "…"), sizePx, bold) <= maxWidth ? (middle, tooLong) : (fits, middle);
        }

        return string.Concat(text.AsSpan(0, fits).TrimEnd(), "…");
    }

    public void Polyline(ReadOnlySpan<SKPoint> points, SKColor color, float strokeWidth, bool closed)
    {
        using var builder = new SKPathBuilder();
        builder.AddPoly(points, closed);
        using var path = builder.Detach();
        using var paint = Stroke(color, strokeWidth);
        _canvas.DrawPath(path, paint);
    }

    public void Line(float x0, float y0, float x1, float y1, SKColor color, float strokeWidth)
    {
        using var paint = Stroke(color, strokeWidth);
        _canvas.DrawLine(x0, y0, x1, y1, paint);
    }

    public void Circle(float x, float y, float radius, SKColor color, float strokeWidth)
    {
        using var paint = Stroke(color, strokeWidth);
        _canvas.DrawCircle(x, y, radius, paint);
    }

    public byte[] EncodePng()
    {
        _canvas.Flush();
        using var pixels = _bitmap.PeekPixels();

        // Sub filter with zlib level 3 encodes a noisy CT slice about three times faster than Skia's default (all filters,
        // level 6) for files about 15% larger; encoding otherwise dominates the time of a key image.
        using var data = pixels.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.Sub, 3))
            ?? throw new InvalidOperationException("SkiaSharp could not encode the key image as PNG.");
        return data.ToArray();
    }

    /// <summary>A PNG's pixels as 8-bit RGB, row by row (alpha dropped): what a DICOM Secondary Capture stores.</summary>
    public static (int Width, int Height, byte[] Rgb) DecodeRgb(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new ArgumentException("not a PNG SkiaSharp can decode", nameof(png));
        using var rgba = bitmap.ColorType == SKColorType.Rgba8888 ? null : bitmap.Copy(SKColorType.Rgba8888);
        var source = (rgba ?? bitmap).GetPixelSpan();
        var rgb = new byte[bitmap.Width * bitmap.Height * 3];
        for (int i = 0, o = 0; o < rgb.Length; i += 4, o += 3)
        {
            rgb[o] = source[i];
            rgb[o + 1] = source[i + 1];
            rgb[o + 2] = source[i + 2];
        }

        return (bitmap.Width, bitmap.Height, rgb);
    }

    public void Dispose()
    {
        _canvas.Dispose();
        _bitmap.Dispose();
    }

    private SKFont Font(float sizePx, bool bold) =>
        new(_typeface, sizePx) { Embolden = bold, Edging = SKFontEdging.Antialias, Subpixel = true };

    private static SKPaint Stroke(SKColor color, float strokeWidth) =>
        new() { Color = color, Style = SKPaintStyle.Stroke, StrokeWidth = strokeWidth, IsAntialias = true };
}

/// <summary>Colours of the key images: saturated overlays that stay distinct from every grey of the window.</summary>
internal static class KeyImagePalette
{
    public static readonly SKColor Background = new(0x0E, 0x11, 0x16);
    public static readonly SKColor Text = new(0xF2, 0xF2, 0xF2);
    public static readonly SKColor Muted = new(0xA0, 0xAA, 0xB6);
    public static readonly SKColor Roi = new(0x00, 0xE5, 0xFF);
    public static readonly SKColor Flag = new(0xFF, 0xC1, 0x07);
    public static readonly SKColor Excluded = new(0xFF, 0x3D, 0x3D);
    public static readonly SKColor NoRoi = new(0xFF, 0x91, 0x00);
}
