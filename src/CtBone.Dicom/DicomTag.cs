namespace CtBone.Dicom;

/// <summary>The DICOM attributes CtBone reads, by keyword.</summary>
internal static class DicomTag
{
    public static readonly (ushort Group, ushort Element) SopClassUid = (0x0008, 0x0016);
    public static readonly (ushort Group, ushort Element) SopInstanceUid = (0x0008, 0x0018);
    public static readonly (ushort Group, ushort Element) StudyDate = (0x0008, 0x0020);
    public static readonly (ushort Group, ushort Element) ImageType = (0x0008, 0x0008);
    public static readonly (ushort Group, ushort Element) Modality = (0x0008, 0x0060);
    public static readonly (ushort Group, ushort Element) Manufacturer = (0x0008, 0x0070);
    public static readonly (ushort Group, ushort Element) SeriesDescription = (0x0008, 0x103E);
    public static readonly (ushort Group, ushort Element) ManufacturerModelName = (0x0008, 0x1090);
    public static readonly (ushort Group, ushort Element) AccessionNumber = (0x0008, 0x0050);
    public static readonly (ushort Group, ushort Element) StudyDescription = (0x0008, 0x1030);
    public static readonly (ushort Group, ushort Element) PatientName = (0x0010, 0x0010);
    public static readonly (ushort Group, ushort Element) PatientId = (0x0010, 0x0020);
    public static readonly (ushort Group, ushort Element) PatientBirthDate = (0x0010, 0x0030);
    public static readonly (ushort Group, ushort Element) PatientSex = (0x0010, 0x0040);
    public static readonly (ushort Group, ushort Element) PatientAge = (0x0010, 0x1010);
    public static readonly (ushort Group, ushort Element) ContrastBolusAgent = (0x0018, 0x0010);
    public static readonly (ushort Group, ushort Element) BodyPartExamined = (0x0018, 0x0015);
    public static readonly (ushort Group, ushort Element) SliceThickness = (0x0018, 0x0050);
    public static readonly (ushort Group, ushort Element) Kvp = (0x0018, 0x0060);
    public static readonly (ushort Group, ushort Element) GantryDetectorTilt = (0x0018, 0x1120);
    public static readonly (ushort Group, ushort Element) ConvolutionKernel = (0x0018, 0x1210);
    public static readonly (ushort Group, ushort Element) StudyInstanceUid = (0x0020, 0x000D);
    public static readonly (ushort Group, ushort Element) SeriesInstanceUid = (0x0020, 0x000E);
    public static readonly (ushort Group, ushort Element) SeriesNumber = (0x0020, 0x0011);
    public static readonly (ushort Group, ushort Element) InstanceNumber = (0x0020, 0x0013);
    public static readonly (ushort Group, ushort Element) ImagePositionPatient = (0x0020, 0x0032);
    public static readonly (ushort Group, ushort Element) ImageOrientationPatient = (0x0020, 0x0037);
    public static readonly (ushort Group, ushort Element) SamplesPerPixel = (0x0028, 0x0002);
    public static readonly (ushort Group, ushort Element) NumberOfFrames = (0x0028, 0x0008);
    public static readonly (ushort Group, ushort Element) Rows = (0x0028, 0x0010);
    public static readonly (ushort Group, ushort Element) Columns = (0x0028, 0x0011);
    public static readonly (ushort Group, ushort Element) PixelSpacing = (0x0028, 0x0030);
    public static readonly (ushort Group, ushort Element) BitsAllocated = (0x0028, 0x0100);
    public static readonly (ushort Group, ushort Element) BitsStored = (0x0028, 0x0101);
    public static readonly (ushort Group, ushort Element) PixelRepresentation = (0x0028, 0x0103);
    public static readonly (ushort Group, ushort Element) RescaleIntercept = (0x0028, 0x1052);
    public static readonly (ushort Group, ushort Element) RescaleSlope = (0x0028, 0x1053);
    public static readonly (ushort Group, ushort Element) PixelData = (0x7FE0, 0x0010);
}
