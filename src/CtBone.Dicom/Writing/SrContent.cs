using static gdcm.VR.VRType;

namespace CtBone.Dicom.Writing;

/// <summary>A coded concept: Code Value, Coding Scheme Designator, Code Meaning (PS3.3 8.8, Code Sequence Macro).</summary>
public sealed record CodedConcept(string Value, string Scheme, string Meaning)
{
    internal DicomItem ToItem() => new DicomItem()
        .Text((0x0008, 0x0100), SH, Value)
        .Text((0x0008, 0x0102), SH, Scheme)
        .Text((0x0008, 0x0104), LO, Meaning);

    public override string ToString() => $"({Value}, {Scheme}, \"{Meaning}\")";
}

/// <summary>
/// The codes the measurement report uses. DCM and UMLS codes are PS3.16's (checked against pydicom 2.3.1's
/// sr/_concepts_dict.py, generated from PS3.16, and DCMTK's dcmsr/codes); the SNOMED CT vertebra codes are those of
/// DICOM's anatomic master list as TotalSegmentator's DICOM-SEG mapping and an independent spine term list both give
/// them. What no standard code says (CtBone's estimated BMD, its screening categories) uses the private scheme
/// <see cref="PrivateScheme"/>, declared in the Coding Scheme Identification Sequence.
/// </summary>
public static class SrCodes
{
    /// <summary>Private coding scheme designator: "99" prefix (PS3.3 8.2).</summary>
    public const string PrivateScheme = "99CTBONE";

    public static readonly CodedConcept ImagingMeasurementReport = new("126000", "DCM", "Imaging Measurement Report");
    public static readonly CodedConcept LanguageOfContent = new("121049", "DCM", "Language of Content Item and Descendants");
    public static readonly CodedConcept English = new("en", "RFC5646", "English");
    public static readonly CodedConcept ObserverType = new("121005", "DCM", "Observer Type");
    public static readonly CodedConcept Device = new("121007", "DCM", "Device");
    public static readonly CodedConcept DeviceObserverUid = new("121012", "DCM", "Device Observer UID");
    public static readonly CodedConcept DeviceObserverName = new("121013", "DCM", "Device Observer Name");
    public static readonly CodedConcept DeviceObserverManufacturer = new("121014", "DCM", "Device Observer Manufacturer");
    public static readonly CodedConcept DeviceObserverModelName = new("121015", "DCM", "Device Observer Model Name");
    public static readonly CodedConcept ProcedureReported = new("121058", "DCM", "Procedure reported");

    /// <summary>CID 100 Quantitative Diagnostic Imaging Procedures.</summary>
    public static readonly CodedConcept CtUnspecifiedBodyRegion = new("25045-6", "LN", "CT unspecified body region");

    public static readonly CodedConcept ImageLibrary = new("111028", "DCM", "Image Library");
    public static readonly CodedConcept ImageLibraryGroup = new("126200", "DCM", "Image Library Group");
    public static readonly CodedConcept ImagingMeasurements = new("126010", "DCM", "Imaging Measurements");
    public static readonly CodedConcept MeasurementGroup = new("125007", "DCM", "Measurement Group");
    public static readonly CodedConcept TrackingIdentifier = new("112039", "DCM", "Tracking Identifier");
    public static readonly CodedConcept TrackingUniqueIdentifier = new("112040", "DCM", "Tracking Unique Identifier");
    public static readonly CodedConcept FindingSite = new("363698007", "SCT", "Finding Site");
    public static readonly CodedConcept Vertebra = new("51282000", "SCT", "Vertebra");
    public static readonly CodedConcept ImageRegion = new("111030", "DCM", "Image Region");

    /// <summary>CID 7180/7469: the concept of a CT number measurement.</summary>
    public static readonly CodedConcept AttenuationCoefficient = new("112031", "DCM", "Attenuation Coefficient");
    public static readonly CodedConcept Area = new("42798000", "SCT", "Area");
    public static readonly CodedConcept Derivation = new("121401", "DCM", "Derivation");
    public static readonly CodedConcept Mean = new("373098007", "SCT", "Mean");
    public static readonly CodedConcept StandardDeviation = new("386136009", "SCT", "Standard Deviation");
    public static readonly CodedConcept AlgorithmName = new("111001", "DCM", "Algorithm Name");
    public static readonly CodedConcept AlgorithmVersion = new("111003", "DCM", "Algorithm Version");
    public static readonly CodedConcept QualitativeEvaluations = new("C0034375", "UMLS", "Qualitative Evaluations");
    public static readonly CodedConcept Finding = new("121071", "DCM", "Finding");
    public static readonly CodedConcept Impression = new("121073", "DCM", "Impression");
    public static readonly CodedConcept Recommendation = new("121075", "DCM", "Recommendation");

    /// <summary>UCUM units (CID 7181): Hounsfield unit, square millimetre, milligram per cubic centimetre.</summary>
    public static readonly CodedConcept HounsfieldUnit = new("[hnsf'U]", "UCUM", "Hounsfield unit");
    public static readonly CodedConcept SquareMillimeter = new("mm2", "UCUM", "square millimeter");
    public static readonly CodedConcept MilligramPerCubicCentimeter = new("mg/cm3", "UCUM", "milligram per cubic centimeter");

    /// <summary>CtBone's estimate of volumetric BMD: no standard concept names a CT-derived, calibration-estimated vBMD.</summary>
    public static readonly CodedConcept EstimatedVolumetricBmd = new("VBMD-EST", PrivateScheme, "Estimated volumetric bone mineral density");

    /// <summary>Multiplanar reformatting (CID 7203), for the overview's Derivation Code Sequence.</summary>
    public static readonly CodedConcept MultiplanarReformatting = new("113072", "DCM", "Multiplanar reformatting");

    /// <summary>Purpose of reference of the overview's source images (CID 7202).</summary>
    public static readonly CodedConcept SourceImageForProcessing = new("121322", "DCM", "Source image for image processing operation");

    /// <summary>SNOMED CT codes of the vertebrae CtBone labels; a level without one (T13, L6, V1 ...) is coded as <see cref="Vertebra"/>.</summary>
    public static CodedConcept VertebraCode(string level) => level switch
    {
        "T11" => new("12989004", "SCT", "T11 vertebra"),
        "T12" => new("23215003", "SCT", "T12 vertebra"),
        "L1" => new("66794005", "SCT", "L1 vertebra"),
        "L2" => new("14293000", "SCT", "L2 vertebra"),
        "L3" => new("36470004", "SCT", "L3 vertebra"),
        "L4" => new("11994002", "SCT", "L4 vertebra"),
        "L5" => new("49668003", "SCT", "L5 vertebra"),
        _ => Vertebra,
    };
}

/// <summary>
/// One SR content item (PS3.3 C.17.3) with its children: relationship to its parent, value type, concept name and value.
/// <see cref="ToDicom"/> gives the item of a Content Sequence (or, for the root, the document's own attributes).
/// </summary>
internal sealed class SrItem
{
    private readonly Action<DicomItem> _value;

    private SrItem(string relationship, string valueType, CodedConcept? concept, Action<DicomItem> value)
    {
        Relationship = relationship;
        ValueType = valueType;
        Concept = concept;
        _value = value;
    }

    public string Relationship { get; }

    public string ValueType { get; }

    public CodedConcept? Concept { get; }

    public List<SrItem> Children { get; } = [];

    public static SrItem Container(string relationship, CodedConcept concept) =>
        new(relationship, "CONTAINER", concept, d => d.Text((0x0040, 0xA050), CS, "SEPARATE"));

    public static SrItem Code(string relationship, CodedConcept concept, CodedConcept value) =>
        new(relationship, "CODE", concept, d => d.Sequence((0x0040, 0xA168), value.ToItem()));

    public static SrItem Text(string relationship, CodedConcept concept, string value) =>
        new(relationship, "TEXT", concept, d => d.Text((0x0040, 0xA160), UT, value));

    public static SrItem Uid(string relationship, CodedConcept concept, string value) =>
        new(relationship, "UIDREF", concept, d => d.Text((0x0040, 0xA124), UI, value));

    /// <summary>A NUM item: Measured Value Sequence with the Numeric Value (DS) and its unit.</summary>
    public static SrItem Number(string relationship, CodedConcept concept, double value, CodedConcept unit) =>
        new(relationship, "NUM", concept, d => d.Sequence((0x0040, 0xA300), new DicomItem()
            .Decimal((0x0040, 0xA30A), value)
            .Sequence((0x0040, 0x08EA), unit.ToItem())));

    public static SrItem Scoord(string relationship, CodedConcept concept, string graphicType, float[] graphicData) =>
        new(relationship, "SCOORD", concept, d => d.Floats((0x0070, 0x0022), graphicData).Text((0x0070, 0x0023), CS, graphicType));

    /// <summary>An IMAGE item without a concept name (as under SCOORD and in the Image Library).</summary>
    public static SrItem Image(string relationship, string sopClassUid, string sopInstanceUid) =>
        new(relationship, "IMAGE", null, d => d.Sequence((0x0008, 0x1199), ReferencedSop(sopClassUid, sopInstanceUid)));

    public static DicomItem ReferencedSop(string sopClassUid, string sopInstanceUid) => new DicomItem()
        .Text((0x0008, 0x1150), UI, sopClassUid)
        .Text((0x0008, 0x1155), UI, sopInstanceUid);

    public SrItem With(params IEnumerable<SrItem> children)
    {
        Children.AddRange(children);
        return this;
    }

    /// <summary>The item's attributes; the root (relationship "") has no Relationship Type.</summary>
    public DicomItem ToDicom(DicomItem? into = null)
    {
        var item = into ?? new DicomItem();
        if (Relationship.Length > 0)
        {
            item.Text((0x0040, 0xA010), CS, Relationship);
        }

        item.Text((0x0040, 0xA040), CS, ValueType);
        if (Concept is not null)
        {
            item.Sequence((0x0040, 0xA043), Concept.ToItem());
        }

        _value(item);
        if (Children.Count > 0)
        {
            item.Sequence((0x0040, 0xA730), Children.Select(c => c.ToDicom()));
        }

        return item;
    }

    /// <summary>Every item of the tree, depth first, this one included.</summary>
    public IEnumerable<SrItem> Descendants() => Children.SelectMany(c => c.Descendants()).Prepend(this);
}

/// <summary>Relationship types (PS3.3 C.17.3.2.4).</summary>
internal static class SrRelationship
{
    public const string Contains = "CONTAINS";
    public const string HasConceptModifier = "HAS CONCEPT MOD";
    public const string HasObservationContext = "HAS OBS CONTEXT";
    public const string SelectedFrom = "SELECTED FROM";
}
