using CtBone.Dicom.Isolation;

return DecodeHostProgram.Run(args);
