using Hl7.Fhir.Model;

namespace CtBone.Fhir;

/// <summary>
/// A DICOM PN value (PS3.5 6.2) as FHIR names. Up to three component groups separated by '=' (alphabetic, ideographic,
/// phonetic: a Chinese site may send "Wang^XiaoDong=王^小东"), each of five components separated by '^':
/// family^given^middle^prefix^suffix. Each non-empty group becomes one HumanName; the alphabetic one is official.
/// </summary>
internal static class DicomPersonName
{
    public static List<HumanName> ToHumanNames(string? personName)
    {
        var names = new List<HumanName>();
        if (string.IsNullOrWhiteSpace(personName))
        {
            return names;
        }

        var groups = personName.Split('=');
        for (var g = 0; g < groups.Length && g < 3; g++)
        {
            var parts = groups[g].Split('^').Select(p => p.Trim()).ToArray();
            if (parts.All(p => p.Length == 0))
            {
                continue;
            }

            string Part(int i) => i < parts.Length ? parts[i] : string.Empty;
            var name = new HumanName
            {
                Use = g == 0 ? HumanName.NameUse.Official : null,
                // Alphabetic names read given first; ideographic and phonetic ones (CJK) family first.
                Text = string.Join(' ', (g == 0 ? new[] { Part(3), Part(1), Part(2), Part(0), Part(4) } : [Part(0), Part(1), Part(2)]).Where(p => p.Length > 0)),
            };
            if (Part(0).Length > 0)
            {
                name.Family = Part(0);
            }

            name.Given = new[] { Part(1), Part(2) }.Where(p => p.Length > 0).ToList();
            name.Prefix = Part(3).Length > 0 ? [Part(3)] : [];
            name.Suffix = Part(4).Length > 0 ? [Part(4)] : [];
            names.Add(name);
        }

        return names;
    }
}
