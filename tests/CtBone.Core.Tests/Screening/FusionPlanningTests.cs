using CtBone.Core.Screening;
using static CtBone.Core.Tests.LevelFindings;

namespace CtBone.Core.Tests.Screening;

public class FusionPlanningTests
{
    [Fact]
    public void Plan_WhenL4ToL5ArePlanned_GivesEachLevelsHuAndTheNotesItFallsUnderWithSources()
    {
        var screening = ScreeningPolicy.Default.Screen(Levels(150, 130, 125, 120, 110, 96), Acquisition(), null);

        var plan = FusionPlanning.Plan(screening, ["L5", "l4", "L4", "X9"]);

        Assert.Equal(["L4", "L5"], plan.Levels.Select(l => l.Level));
        Assert.Equal("L5", plan.LowestInstrumented!.Level);
        Assert.Equal(96, plan.LowestInstrumented.AdjustedHu);
        Assert.Equal(["X9"], plan.NotInStudy);
        var l4 = plan.Levels[0];
        Assert.Equal(["sci-rep-2023-mi-tlif", "pickhardt-2013-fracture"], l4.RiskNotes.Select(n => n.Id));
        var loosening = l4.RiskNotes[0];
        Assert.Equal("Below 117 HU: 4.1-fold risk of screw loosening or cage subsidence after MI-TLIF.", loosening.Text);
        Assert.Equal("Sci Rep 2023 (198 patients, MI-TLIF)", loosening.Source);
        Assert.Equal(117, loosening.ThresholdHu);
        Assert.Contains("cns-2021-instrumentation", plan.Levels[1].RiskNotes.Select(n => n.Id));
    }

    [Fact]
    public void Plan_WhenAPlannedLevelIsExcluded_SaysWhyAndGivesNoNotes()
    {
        var levels = Levels(150, 130, 125, 120, 110, 96).With(Level("L5", 96, "metal: pedicle screw", ["metal"]));
        var screening = ScreeningPolicy.Default.Screen(levels, Acquisition(), null);

        var plan = FusionPlanning.Plan(screening, ["L4", "L5"]);

        Assert.False(plan.LowestInstrumented!.Usable);
        Assert.Equal("excluded: metal: pedicle screw", plan.LowestInstrumented.Reason);
        Assert.Empty(plan.LowestInstrumented.RiskNotes);
    }
}
