namespace CtBone.Core;

/// <summary>The publications behind CtBone's default numbers, as CLINICAL.md quotes them, worded once.</summary>
internal static class ClinicalSources
{
    public const string Pickhardt2013 = "Pickhardt et al., Ann Intern Med 2013 (1,867 adults, DXA reference)";
    public const string Zou2020Spine = "Zou et al., Spine 2020 (CT osteoporosis criterion in Chinese lumbar-fusion cohorts)";
    public const string ShangZouLi = "Shang, Zou, Li et al., Peking University Third Hospital (Chinese lumbar-fusion cohort)";
    public const string Cns2021 = "Congress of Neurological Surgeons guideline 2021 (Grade B)";
    public const string SciRep2023 = "Sci Rep 2023 (198 patients, MI-TLIF)";
    public const string Zou2020JNeurosurgSpine = "Zou et al., J Neurosurg Spine 2020 (mean L1-L4 HU 106 with loosened screws vs 133 without)";
    public const string Jang2019 = "Jang et al., Radiology 2019 (20,374 CTs at 120 kV)";
    public const string Hendrickson2018 = "Hendrickson, Pickhardt et al., 2018 (young-women reference)";
    public const string KvpStudy = "Study of 16,747 patients: mean non-contrast L1 HU 148, 141 and 131 at 100, 120 and 140 kVp (as quoted in CtBone's CLINICAL.md)";
    public const string ContrastLiterature = "literature: about +11 HU on average (Pickhardt 2016), +14 HU arterial and +26 HU portal venous (Grünewald)";
    public const string ChineseFusionGuideline = "Chinese guideline on osteoporosis in patients undergoing lumbar fusion and internal fixation, recommendation 1 (1C)";
    public const string AcrIscdQct = "ACR/ISCD QCT figures adopted by the Chinese QCT consensus (Quant Imaging Med Surg 2020)";
    public const string Kaesmacher2017 = "Kaesmacher et al., J Comput Assist Tomogr 2017;41:217-223 (internal calibration 7.8% RMSD vs QCT on non-enhanced MDCT; contrast-enhanced estimates biased by more than 6 mg/mL)";
}
