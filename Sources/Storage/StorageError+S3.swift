extension StorageError.Code {
    /// The object store refused the credentials or the clock (403: bad key, bad secret, skew, missing permission).
    public static let accessDenied = StorageError.Code(name: "access_denied")
}
