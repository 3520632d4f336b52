import Database

/// Who may delete a photo: its uploader; a photo without an owner (uploaded while sign-in was not required)
/// anyone who may change things. Albums have no owner: any signed-in user may edit them.
enum Ownership {
    /// The error that refuses the delete, or nil when `context`'s user may delete `photo`.
    static func refusal(toDelete photo: Photo, context: WebRequestContext) -> APIError? {
        guard context.canChange else {
            return APIError(.unauthorized, "unauthorized", "Sign in to delete photos.")
        }
        guard let owner = photo.ownerID else { return nil }
        if context.user?.id == owner { return nil }
        return APIError(.forbidden, "forbidden", "Only the person who uploaded this photo can delete it.")
    }
}
