using SkiaSharp;

namespace CtBone.Imaging.Tests;

/// <summary>A decoded PNG as colours, with the colour classes the tests look for.</summary>
internal sealed class DecodedImage
{
    private readonly SKColor[] _pixels;

    private DecodedImage(int width, int height, SKColor[] pixels)
    {
        Width = width;
        Height = height;
        _pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public SKColor this[int x, int y] => _pixels[(y * Width) + x];

    public static DecodedImage Decode(byte[] png)
    {
        Assert.True(png.Length > 8 && png[0] == 0x89 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G', "not a PNG");
        using var bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        return new DecodedImage(bitmap.Width, bitmap.Height, bitmap.Pixels);
    }

    /// <summary>Pixels in the rectangle [x0, x1) × [y0, y1) that match.</summary>
    public int Count(int x0, int y0, int x1, int y1, Func<SKColor, bool> match)
    {
        var count = 0;
        for (var y = Math.Max(0, y0); y < Math.Min(Height, y1); y++)
        {
            for (var x = Math.Max(0, x0); x < Math.Min(Width, x1); x++)
            {
                count += match(this[x, y]) ? 1 : 0;
            }
        }

        return count;
    }

    /// <summary>Mean grey of the rectangle [x0, x1) × [y0, y1).</summary>
    public double MeanGrey(int x0, int y0, int x1, int y1)
    {
        var sum = 0;
        for (var y = y0; y < y1; y++)
        {
            for (var x = x0; x < x1; x++)
            {
                sum += Grey(this[x, y]);
            }
        }

        return (double)sum / ((x1 - x0) * (y1 - y0));
    }

    /// <summary>Whether any pixel within <paramref name="radius"/> (a square) of (x, y) matches.</summary>
    public bool Near(double x, double y, int radius, Func<SKColor, bool> match)
    {
        var (cx, cy) = ((int)Math.Floor(x), (int)Math.Floor(y));
        return Count(cx - radius, cy - radius, cx + radius + 1, cy + radius + 1, match) > 0;
    }

    /// <summary>Pixels in the rectangle that differ from <paramref name="other"/>'s.</summary>
    public int CountDifferent(DecodedImage other, int x0, int y0, int x1, int y1)
    {
        var different = 0;
        for (var y = y0; y < y1; y++)
        {
            for (var x = x0; x < x1; x++)
            {
                different += this[x, y] != other[x, y] ? 1 : 0;
            }
        }

        return different;
    }

    /// <summary>A colour within <paramref name="tolerance"/> of <paramref name="target"/> in every channel (antialiasing blends edges).</summary>
    public static Func<SKColor, bool> Like(SKColor target, int tolerance = 50) => c =>
        Math.Abs(c.Red - target.Red) <= tolerance && Math.Abs(c.Green - target.Green) <= tolerance && Math.Abs(c.Blue - target.Blue) <= tolerance;

    public static bool IsLight(SKColor c) => c.Red > 180 && c.Green > 180 && c.Blue > 180;

    public static int Grey(SKColor c) => (c.Red + c.Green + c.Blue) / 3;
}
