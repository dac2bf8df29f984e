namespace CtBone.Core.Calibration;

/// <summary>Ordinary least squares of y on x; the calibration lines are straight by assumption (QCT practice).</summary>
internal static class LinearFit
{
    /// <summary>Null when there are fewer than two points or every x is the same.</summary>
    public static CalibrationLine? Fit(IReadOnlyList<(double X, double Y)> points)
    {
        if (points.Count < 2)
        {
            return null;
        }

        var meanX = points.Average(p => p.X);
        var meanY = points.Average(p => p.Y);
        var sxx = points.Sum(p => (p.X - meanX) * (p.X - meanX));
        if (sxx < 1e-9)
        {
            return null;
        }

        var slope = points.Sum(p => (p.X - meanX) * (p.Y - meanY)) / sxx;
        var intercept = meanY - slope * meanX;
        var rms = Math.Sqrt(points.Average(p => Math.Pow(p.Y - (slope * p.X + intercept), 2)));
        return new CalibrationLine
        {
            SlopeMgPerCm3PerHu = slope,
            InterceptMgPerCm3 = intercept,
            PointCount = points.Count,
            RmsResidualMgPerCm3 = points.Count > 2 ? rms : null,
        };
    }
}
