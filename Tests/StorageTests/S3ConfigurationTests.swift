import Testing

@testable import Storage

/// `S3Configuration.fromEnvironment`: defaults, parsing, every problem reported at once, secrets masked.
@Suite struct S3ConfigurationTests {
    static let minimal = [
        "S3_BUCKET": "photos", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "s3cr3t-value",
    ]

    @Test func defaults() throws {
        let configuration = try S3Configuration.fromEnvironment(Self.minimal)
        #expect(configuration.bucket == "photos")
        #expect(configuration.region == "us-east-1")
        #expect(configuration.endpoint == nil)
        #expect(configuration.pathStyle == false)
        #expect(configuration.sessionToken == nil)
        #expect(configuration.publicBaseURL == nil)
        #expect(configuration.presignLifetime == 3600)
        #expect(configuration.multipartThreshold == 16 * 1024 * 1024)
        #expect(configuration.partSize >= S3Configuration.minimumPartSize)
        #expect(configuration.uploadConcurrency == 4)
    }

    @Test func everyVariable() throws {
        var env = Self.minimal
        env["S3_REGION"] = "eu-central-1"
        env["S3_ENDPOINT"] = "http://127.0.0.1:9000/"
        env["S3_PATH_STYLE"] = "false"
        env["AWS_SESSION_TOKEN"] = "token-value"
        env["S3_PUBLIC_URL"] = "https://cdn.example.com/media/"
        env["S3_PRESIGN_SECONDS"] = "900"
        env["S3_MULTIPART_THRESHOLD"] = "32MiB"
        let configuration = try S3Configuration.fromEnvironment(env)
        #expect(configuration.region == "eu-central-1")
        #expect(configuration.endpoint == "http://127.0.0.1:9000/")
        #expect(configuration.pathStyle == false)
        #expect(configuration.sessionToken == "token-value")
        #expect(configuration.publicBaseURL == "https://cdn.example.com/media/")
        #expect(configuration.presignLifetime == 900)
        #expect(configuration.multipartThreshold == 32 * 1024 * 1024)
    }

    @Test func customEndpointDefaultsToPathStyle() throws {
        var env = Self.minimal
        env["S3_ENDPOINT"] = "http://127.0.0.1:5000"
        #expect(try S3Configuration.fromEnvironment(env).pathStyle == true)
    }

    @Test func allProblemsAtOnceOneLineEach() {
        let env = [
            "S3_BUCKET": "Bad_Bucket",
            "S3_ENDPOINT": "ftp://user:hunter2@example.com/x",
            "S3_PATH_STYLE": "maybe",
            "AWS_SECRET_ACCESS_KEY": "s3cr3t-value",
            "S3_PUBLIC_URL": "cdn.example.com",
            "S3_PRESIGN_SECONDS": "soon",
            "S3_MULTIPART_THRESHOLD": "1KiB",
        ]
        do {
            _ = try S3Configuration.fromEnvironment(env)
            Issue.record("expected an error")
        } catch let error as StorageError {
            #expect(error.code == .invalidConfiguration)
            let lines = error.message.split(separator: "\n").map(String.init)
            let variables = [
                "S3_BUCKET", "S3_ENDPOINT", "S3_PATH_STYLE", "AWS_ACCESS_KEY_ID", "S3_PUBLIC_URL",
                "S3_PRESIGN_SECONDS", "S3_MULTIPART_THRESHOLD",
            ]
            #expect(lines.count == variables.count, "\(lines)")
            for variable in variables {
                #expect(lines.contains { $0.hasPrefix(variable + ": expected") }, "no line for \(variable)")
            }
            #expect(!error.message.contains("hunter2"))
            #expect(!error.message.contains("s3cr3t-value"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func outOfRangeNumbers() {
        var env = Self.minimal
        env["S3_PRESIGN_SECONDS"] = "999999"
        #expect(throws: StorageError.self) { try S3Configuration.fromEnvironment(env) }
    }

    @Test func descriptionMasksSecrets() throws {
        var env = Self.minimal
        env["AWS_SESSION_TOKEN"] = "token-value"
        let text = try S3Configuration.fromEnvironment(env).description
        #expect(!text.contains("s3cr3t-value"))
        #expect(!text.contains("token-value"))
        #expect(!text.contains("AKIDEXAMPLE"))
        #expect(text.contains("photos"))
    }

    @Test(
        "one parser of byte sizes for every setting: decimal and binary units, as the README writes them",
        arguments: [
            ("16777216", 16_777_216), ("16MiB", 16_777_216), ("8MiB", 8_388_608), ("16M", 16_000_000),
            ("5MB", 5_000_000), ("5 mb", 5_000_000), ("512 KiB", 524_288), ("1GiB", 1_073_741_824), ("50kB", 50_000),
            ("2TB", 2_000_000_000_000), ("1048576B", 1_048_576),
        ])
    func byteCounts(_ text: String, _ bytes: Int) {
        #expect(ByteCount.parse(text) == bytes)
    }

    @Test(
        "sizes that are not a whole positive number of bytes are refused",
        arguments: [
            "", "MB", "-5MB", "0", "1.5GB", "5 XB", "٥MB", "99999999999999999999", "9223372036854775807KiB",
        ])
    func badByteCounts(_ text: String) {
        #expect(ByteCount.parse(text) == nil)
    }

    @Test func storeRejectsInvalidConfiguration() {
        let configuration = S3Configuration(bucket: "", accessKeyID: "", secretAccessKey: "")
        #expect(throws: StorageError.self) { try S3Store(configuration: configuration, httpClient: .shared) }
    }
}
