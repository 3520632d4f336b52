import AsyncHTTPClient
import Foundation
import Testing

@testable import Storage

/// Known answers that need nothing beside the repository: AWS's published S3 examples and presigned URLs made by
/// botocore, an independent implementation.
@Suite struct SigV4KnownAnswerTests {
    /// The keys of AWS's S3 SigV4 documentation examples.
    static let docsCredentials = SigV4Credentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    )
    /// 2013-05-24T00:00:00Z, the instant of those examples.
    static let docsDate = Date(timeIntervalSince1970: 1_369_353_600)

    /// "Example: GET Object" from AWS's "Signature Calculations for the Authorization Header" (S3 API reference).
    @Test func awsDocsHeaderSignedGetObject() {
        let signer = SigV4Signer(credentials: Self.docsCredentials, region: "us-east-1", service: "s3")
        let request = SigV4Signer.Request(
            method: "GET", path: "/test.txt",
            headers: [.init("Host", "examplebucket.s3.amazonaws.com"), .init("Range", "bytes=0-9")],
            payloadHash: SigV4Signer.emptyPayloadHash
        )
        let result = signer.signHeaders(request, date: Self.docsDate)
        #expect(
            result.canonicalRequest == """
                GET
                /test.txt

                host:examplebucket.s3.amazonaws.com
                range:bytes=0-9
                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-amz-date:20130524T000000Z

                host;range;x-amz-content-sha256;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(
            result.stringToSign == """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
                """)
        #expect(
            result.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    /// The presigned GET example from AWS's "Authenticating Requests: Using Query Parameters" (S3 API reference).
    @Test func awsDocsPresignedGetObject() throws {
        let store = try Self.store(
            endpoint: "https://s3.amazonaws.com", bucket: "examplebucket", region: "us-east-1",
            pathStyle: false, token: nil, lifetime: 86400)
        let key = "test.txt"
        let (authority, path) = store.location(ofKeyPath: key)
        let signature = store.signer.presign(
            .init(
                method: "GET", path: path, headers: [.init("host", authority)], payloadHash: SigV4Signer.unsignedPayload
            ),
            date: Self.docsDate, expires: 86400
        )
        #expect(signature.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(
            "https://\(authority)\(path)?\(signature.queryString)" == "https://examplebucket.s3.amazonaws.com/test.txt"
                + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    /// One presigned URL expected from `S3Store.url(for:)`.
    struct OracleCase: Sendable, CustomTestStringConvertible {
        let name: String
        let endpoint: String
        let region: String
        let pathStyle: Bool
        let token: String?
        let lifetime: Int
        let key: MediaKey
        let expected: String
        var testDescription: String { name }
    }

    static let hash = String(repeating: "a", count: 64)
    static let token = "FQoGZXIvYXdzE//token+with/slashes=="

    // Generated offline with botocore 1.43.11 (its S3SigV4QueryAuth, the code behind boto3's
    // generate_presigned_url), the docs keys above and the clock pinned to 2013-05-24T00:00:00Z:
    //
    //   import datetime; from unittest import mock
    //   from botocore.auth import S3SigV4QueryAuth; from botocore.awsrequest import AWSRequest
    //   from botocore.credentials import Credentials
    //   def presign(url, region, token=None, expires=3600):
    //       auth = S3SigV4QueryAuth(Credentials('AKIAIOSFODNN7EXAMPLE',
    //           'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', token), 's3', region, expires=expires)
    //       request = AWSRequest(method='GET', url=url)
    //       with mock.patch('botocore.auth.get_current_datetime',
    //                       return_value=datetime.datetime(2013, 5, 24)):
    //           auth.add_auth(request)
    //       return request.url
    //   h = 'a' * 64; t = 'FQoGZXIvYXdzE//token+with/slashes=='
    //   presign('http://127.0.0.1:5000/photos/original/' + h + '.jpg?response-content-disposition=attachment', 'us-east-1')
    //   presign('https://photos.s3.eu-west-1.amazonaws.com/display/' + h + '.jpg', 'eu-west-1')
    //   presign('http://127.0.0.1:5000/photos/thumbnail/' + h + '.png', 'us-east-1', token=t)
    //   presign('https://photos.s3.eu-west-1.amazonaws.com/original/' + h + '.jpg?response-content-disposition=attachment',
    //           'eu-west-1', token=t, expires=900)
    // (originals are presigned with response-content-disposition=attachment, so S3 serves them as downloads)
    static let oracleCases: [OracleCase] = [
        OracleCase(
            name: "path-style, custom http endpoint", endpoint: "http://127.0.0.1:5000", region: "us-east-1",
            pathStyle: true, token: nil, lifetime: 3600,
            key: MediaKey(kind: .original, hash: hash, fileExtension: "jpg"),
            expected: "http://127.0.0.1:5000/photos/original/\(hash).jpg?response-content-disposition=attachment"
                + "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=fb31eae45da66f9bc157cce5ff2370c90a4d4266d916de6c62c6f1e819fddb4d"
        ),
        OracleCase(
            name: "virtual-hosted, AWS eu-west-1", endpoint: "https://s3.eu-west-1.amazonaws.com", region: "eu-west-1",
            pathStyle: false, token: nil, lifetime: 3600,
            key: MediaKey(kind: .display, hash: hash, fileExtension: "jpg"),
            expected: "https://photos.s3.eu-west-1.amazonaws.com/display/\(hash).jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Feu-west-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=a2d582fddbcf930ee117f07a9c7a42f30cf98969c7ff10367ed09fae4c7b235d"
        ),
        OracleCase(
            name: "path-style with session token", endpoint: "http://127.0.0.1:5000", region: "us-east-1",
            pathStyle: true, token: token, lifetime: 3600,
            key: MediaKey(kind: .thumbnail, hash: hash, fileExtension: "png"),
            expected: "http://127.0.0.1:5000/photos/thumbnail/\(hash).png?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
                + "&X-Amz-Security-Token=FQoGZXIvYXdzE%2F%2Ftoken%2Bwith%2Fslashes%3D%3D"
                + "&X-Amz-Signature=0a8d471ab403b72027ced3db6597a61ec3cc06f17eca2ef64469adbcc732dcb1"
        ),
        OracleCase(
            name: "virtual-hosted with session token, 900 s", endpoint: "https://s3.eu-west-1.amazonaws.com",
            region: "eu-west-1", pathStyle: false, token: token, lifetime: 900,
            key: MediaKey(kind: .original, hash: hash, fileExtension: "jpg"),
            expected:
                "https://photos.s3.eu-west-1.amazonaws.com/original/\(hash).jpg?response-content-disposition=attachment"
                + "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Feu-west-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host"
                + "&X-Amz-Security-Token=FQoGZXIvYXdzE%2F%2Ftoken%2Bwith%2Fslashes%3D%3D"
                + "&X-Amz-Signature=35b00ce52acbea7a571a3ca4c0cdc0e599b9a14dc6ea057f889f4d2dec2362cc"
        ),
    ]

    @Test(arguments: oracleCases)
    func presignedURLMatchesBotocore(_ oracle: OracleCase) throws {
        var store = try Self.store(
            endpoint: oracle.endpoint, bucket: "photos", region: oracle.region, pathStyle: oracle.pathStyle,
            token: oracle.token, lifetime: oracle.lifetime
        )
        store.now = { Self.docsDate }
        #expect(store.url(for: oracle.key) == oracle.expected)
    }

    @Test func nilEndpointMeansAWSRegionalVirtualHost() throws {
        let configuration = S3Configuration(
            bucket: "photos", region: "eu-west-1", accessKeyID: "a", secretAccessKey: "b")
        let store = try S3Store(configuration: configuration, httpClient: .shared)
        #expect(!configuration.pathStyle)
        let location = store.location(ofKeyPath: "original/x.jpg")
        #expect(location.authority == "photos.s3.eu-west-1.amazonaws.com")
        #expect(location.path == "/original/x.jpg")
    }

    @Test func publicBaseURLReplacesPresigning() throws {
        for base in ["https://cdn.example.com/media", "https://cdn.example.com/media/"] {
            let configuration = S3Configuration(
                bucket: "photos", endpoint: "http://127.0.0.1:5000", accessKeyID: "a", secretAccessKey: "b",
                publicBaseURL: base
            )
            let store = try S3Store(configuration: configuration, httpClient: .shared)
            let key = MediaKey(kind: .display, hash: Self.hash, fileExtension: "jpg")
            #expect(store.url(for: key) == "https://cdn.example.com/media/display/\(Self.hash).jpg")
        }
    }

    @Test func timestampsAreUTC() {
        let stamp = SigV4Signer.timestamp(Date(timeIntervalSince1970: 1_440_938_160))
        #expect(stamp.dateTime == "20150830T123600Z")
        #expect(stamp.date == "20150830")
    }

    @Test func pathNormalization() {
        #expect(SigV4Signer.normalizedPath("/a/./b/../c//d/") == "/a/c/d/")
        #expect(SigV4Signer.normalizedPath("/..") == "/")
        #expect(SigV4Signer.encodedPath("/photos/original/a b+c.jpg") == "/photos/original/a%20b%2Bc.jpg")
    }

    @Test func credentialsNeverPrintSecrets() {
        let text = "\(SigV4Credentials(accessKeyID: "AKID", secretAccessKey: "very-secret", sessionToken: "tok"))"
        #expect(!text.contains("very-secret"))
        #expect(!text.contains("tok)"))
    }

    static func store(
        endpoint: String, bucket: String, region: String, pathStyle: Bool, token: String?, lifetime: Int
    ) throws -> S3Store {
        let configuration = S3Configuration(
            bucket: bucket, region: region, endpoint: endpoint, pathStyle: pathStyle,
            accessKeyID: docsCredentials.accessKeyID, secretAccessKey: docsCredentials.secretAccessKey,
            sessionToken: token, presignLifetime: lifetime
        )
        return try S3Store(configuration: configuration, httpClient: .shared)
    }
}
