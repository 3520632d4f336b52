import CLCMS2
import Foundation

/// Profiles and reference transforms made with Little CMS itself, so that no test needs a profile file.
enum LittleCMS {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    // lcms2.h builds its pixel formats with function-like macros Swift cannot import.
    static let typeRGB8: UInt32 = (4 << 16) | (3 << 3) | 1  // TYPE_RGB_8
    static let typeCMYK8: UInt32 = (6 << 16) | (4 << 3) | 1  // TYPE_CMYK_8 (0 = no ink)
    static let typeCMYK8Reversed: UInt32 = typeCMYK8 | (1 << 13)  // TYPE_CMYK_8_REV (255 = no ink, Adobe)

    /// A gray profile (D50, gamma 2.2), serialised.
    static func grayProfile() throws -> [UInt8] {
        guard let curve = cmsBuildGamma(nil, 2.2) else { throw Failure(description: "cmsBuildGamma failed") }
        defer { cmsFreeToneCurve(curve) }
        guard let profile = cmsCreateGrayProfile(cmsD50_xyY(), curve) else {
            throw Failure(description: "cmsCreateGrayProfile failed")
        }
        defer { cmsCloseProfile(profile) }
        return try serialise(profile)
    }

    /// A CMYK output ("prtr") profile whose A2B0 table models a press: 25% dot gain on every ink and a black
    /// that is not quite neutral, far enough from the naive formula (255 - ink) that using it is visible.
    static func pressCMYKProfile() throws -> [UInt8] {
        guard let profile = cmsCreateProfilePlaceholder(nil) else { throw Failure(description: "placeholder failed") }
        defer { cmsCloseProfile(profile) }
        cmsSetProfileVersion(profile, 2.1)
        cmsSetDeviceClass(profile, cmsSigOutputClass)
        cmsSetColorSpace(profile, cmsSigCmykData)
        cmsSetPCS(profile, cmsSigLabData)
        guard let pipeline = cmsPipelineAlloc(nil, 4, 3), let clut = cmsStageAllocCLut16bit(nil, 9, 4, 3, nil) else {
            throw Failure(description: "pipeline allocation failed")
        }
        defer { cmsPipelineFree(pipeline) }
        guard
            cmsStageSampleCLut16bit(
                clut,
                { input, output, _ in
                    guard let input, let output else { return 0 }
                    let lab = LittleCMS.pressLab(
                        cyan: Double(input[0]) / 65535, magenta: Double(input[1]) / 65535,
                        yellow: Double(input[2]) / 65535, black: Double(input[3]) / 65535)
                    var value = cmsCIELab(L: lab.0, a: lab.1, b: lab.2)
                    var encoded: (UInt16, UInt16, UInt16) = (0, 0, 0)
                    withUnsafeMutablePointer(to: &encoded) { tuple in
                        tuple.withMemoryRebound(to: UInt16.self, capacity: 3) { cmsFloat2LabEncodedV2($0, &value) }
                    }
                    output[0] = encoded.0
                    output[1] = encoded.1
                    output[2] = encoded.2
                    return 1
                }, nil, 0) != 0, cmsPipelineInsertStage(pipeline, cmsAT_END, clut) != 0
        else {
            throw Failure(description: "sampling the CLUT failed")
        }
        guard cmsWriteTag(profile, cmsSigAToB0Tag, UnsafeRawPointer(pipeline)) != 0,
            cmsWriteTag(profile, cmsSigMediaWhitePointTag, cmsD50_XYZ()) != 0
        else { throw Failure(description: "writing the tags failed") }
        if let description = cmsMLUalloc(nil, 1) {
            defer { cmsMLUfree(description) }
            cmsMLUsetASCII(description, "en", "US", "Press CMYK (test)")
            cmsWriteTag(profile, cmsSigProfileDescriptionTag, UnsafeRawPointer(description))
        }
        return try serialise(profile)
    }

    /// Lab (D50) of an ink mix: dot gain, multiplicative ink densities, the light reflected converted as sRGB would be.
    static func pressLab(cyan: Double, magenta: Double, yellow: Double, black: Double) -> (Double, Double, Double) {
        func gained(_ ink: Double) -> Double { ink + 0.25 * 4 * ink * (1 - ink) * 0.5 }
        let c = gained(cyan)
        let m = gained(magenta)
        let y = gained(yellow)
        let k = gained(black)
        // Reflected light per channel; black leaves a warm tint, real inks absorb a bit outside their band.
        let red = (1 - c) * (1 - 0.08 * m) * (1 - 0.9 * k)
        let green = (1 - m) * (1 - 0.15 * c) * (1 - 0.05 * y) * (1 - 0.92 * k)
        let blue = (1 - y) * (1 - 0.1 * m) * (1 - 0.95 * k)
        func linear(_ v: Double) -> Double { pow(max(0, v), 2.2) }
        let r = linear(red)
        let g = linear(green)
        let b = linear(blue)
        let x = 0.4361 * r + 0.3851 * g + 0.1431 * b
        let yy = 0.2225 * r + 0.7169 * g + 0.0606 * b
        let z = 0.0139 * r + 0.0971 * g + 0.7141 * b
        func f(_ t: Double) -> Double { t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116.0 }
        let fx = f(x / 0.9642)
        let fy = f(yy)
        let fz = f(z / 0.8249)
        return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))
    }

    /// Little CMS's own CMYK → sRGB transform of 8-bit samples (perceptual intent, no flags): the reference.
    static func cmykToSRGB(_ samples: [UInt8], profile bytes: [UInt8], reversed: Bool) throws -> [UInt8] {
        guard let input = bytes.withUnsafeBytes({ cmsOpenProfileFromMem($0.baseAddress, UInt32($0.count)) }),
            let output = cmsCreate_sRGBProfile()
        else { throw Failure(description: "opening the profiles failed") }
        defer {
            cmsCloseProfile(input)
            cmsCloseProfile(output)
        }
        guard
            let transform = cmsCreateTransform(
                input, reversed ? typeCMYK8Reversed : typeCMYK8, output, typeRGB8, UInt32(INTENT_PERCEPTUAL), 0)
        else { throw Failure(description: "cmsCreateTransform failed") }
        defer { cmsDeleteTransform(transform) }
        let count = samples.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        samples.withUnsafeBytes { source in
            rgb.withUnsafeMutableBytes { cmsDoTransform(transform, source.baseAddress, $0.baseAddress, UInt32(count)) }
        }
        return rgb
    }

    private static func serialise(_ profile: cmsHPROFILE) throws -> [UInt8] {
        var length: UInt32 = 0
        guard cmsSaveProfileToMem(profile, nil, &length) != 0, length > 0 else {
            throw Failure(description: "cmsSaveProfileToMem failed")
        }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        guard bytes.withUnsafeMutableBytes({ cmsSaveProfileToMem(profile, $0.baseAddress, &length) }) != 0 else {
            throw Failure(description: "cmsSaveProfileToMem failed")
        }
        return bytes
    }
}
