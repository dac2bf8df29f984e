using CtBone.Core.Series;

namespace CtBone.Core.Phantoms;

/// <summary>
/// Noise-free HU of each tissue in one contrast phase. Unenhanced values are textbook CT numbers at 120 kVp (fat −100
/// to −90, muscle 50, blood 40, liver 55–60, kidney 30, CSF 10, disc 80). Enhanced aorta: 250–350 HU arterial, about
/// 180 HU portal venous; trabecular bone +14 HU arterial and +26 HU portal venous (Grünewald, as quoted in CLINICAL.md).
/// </summary>
internal sealed record TissueHu
{
    public double Air { get; init; } = -1000;

    public double Skin { get; init; } = 30;

    public double SubcutaneousFat { get; init; } = -100;

    public double VisceralFat { get; init; } = -90;

    public double RetroperitonealFat { get; init; } = -95;

    public double Muscle { get; init; } = 50;

    public double Bowel { get; init; } = 35;

    public double BowelGas { get; init; } = -950;

    public double Liver { get; init; } = 58;

    public double Spleen { get; init; } = 48;

    public double Kidney { get; init; } = 30;

    public double RenalSinusFat { get; init; } = -80;

    public double Aorta { get; init; } = 40;

    public double InferiorVenaCava { get; init; } = 40;

    public double BasivertebralVein { get; init; } = 35;

    public double Csf { get; init; } = 10;

    public double Disc { get; init; } = 80;

    public double TableShell { get; init; } = 180;

    public double TableFoam { get; init; } = -900;

    public double TrabecularContrastOffset { get; init; }

    public double CorticalBone { get; init; } = 850;

    public double Metal { get; init; } = 6000;

    public static TissueHu For(ContrastPhase phase, PhantomOptions options)
    {
        var unenhanced = new TissueHu { CorticalBone = options.CorticalHu, Metal = options.MetalHu };
        return phase switch
        {
            ContrastPhase.Arterial => unenhanced with
            {
                Aorta = 300,
                InferiorVenaCava = 80,
                Kidney = 150,
                Liver = 72,
                Spleen = 110,
                Bowel = 50,
                BasivertebralVein = 60,
                TrabecularContrastOffset = 14,
            },
            ContrastPhase.PortalVenous => unenhanced with
            {
                Aorta = 180,
                InferiorVenaCava = 150,
                Kidney = 180,
                Liver = 110,
                Spleen = 120,
                Bowel = 60,
                BasivertebralVein = 150,
                TrabecularContrastOffset = 26,
            },
            _ => unenhanced,
        };
    }

    public ReferenceTissues ToReference() =>
        new(Air, SubcutaneousFat, VisceralFat, Muscle, Aorta, InferiorVenaCava, Liver, Kidney, Csf);
}
