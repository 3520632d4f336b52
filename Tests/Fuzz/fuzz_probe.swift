// libFuzzer harness over the Swift header probe (ImageProbe with the JPEG, PNG and EXIF parsers), which the
// upload handler runs on untrusted bytes before anything is stored: an out-of-bounds read there would trap
// the server. Compiled together with those sources by run.sh (they import no C module).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProbe(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Odd lengths count as whole files, even ones as a prefix still streaming in (seed files work as they are).
    _ = ImageProbe.probe(bytes, isComplete: size & 1 == 1)
    return 0
}
