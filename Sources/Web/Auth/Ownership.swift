import Database

/// Who may delete a photo or correct its date: its uploader; a photo without an owner (uploaded while sign-in was
/// not required) anyone who may change things. Albums have no owner: any signed-in user may edit them. Trashing,
/// restoring and purging are deleting: the same rule.
enum Ownership {
    /// What the owner may do to a photo that others may not.
    enum Action: String, Sendable {
        case delete
        case correctDate = "correct the date of"
    }

    /// The error that refuses `action`, or nil when `context`'s user may do it to `photo`.
    static func refusal(to action: Action, _ photo: Photo, context: WebRequestContext) -> APIError? {
        refusal(to: action, ownerID: photo.ownerID, context: context)
    }

    /// The error that refuses `action` on a photo owned by `ownerID` (nil: no owner), or nil when it is allowed.
    static func refusal(to action: Action, ownerID: Int64?, context: WebRequestContext) -> APIError? {
        guard context.canChange else {
            return APIError(.unauthorized, "unauthorized", "Sign in to \(action.rawValue) photos.")
        }
        guard let owner = ownerID else { return nil }
        if context.user?.id == owner { return nil }
        return APIError(.forbidden, "forbidden", "Only the person who uploaded this photo can \(action.rawValue) it.")
    }

    /// The error that refuses the delete (or a move to the trash, or out of it), or nil when `context`'s user may
    /// delete `photo`.
    static func refusal(toDelete photo: Photo, context: WebRequestContext) -> APIError? {
        refusal(to: .delete, photo, context: context)
    }

    /// The trashed photos `context`'s user may see, restore and purge: the same photos they may delete.
    static func trashScope(_ context: WebRequestContext) -> TrashScope {
        .deletable(by: context.user?.id)
    }
}
