import Database
import Foundation
import Hummingbird
import Logging

/// The admin's side of accounts: the list of accounts and pending links (`GET /accounts`), inviting someone
/// (`POST /invites`), disabling, enabling, granting or taking away admin (`PATCH /accounts/{id}`, or the page's
/// `POST /accounts/{id}/update`), a password-reset link (`POST /accounts/{id}/reset`) and revoking a pending link. Admins
/// only: 401 without sign-in, 403 for members. A link's token is shown once, in the answer that makes it.
struct AccountController: Sendable {
    typealias Context = WebRequestContext
    let accounts: any AccountRepository
    let renderer: PageRenderer

    func addRoutes(to router: Router<Context>) {
        router.get("/accounts", use: index)
        router.patch("/accounts/{id}", use: update)
        router.post("/accounts/{id}/update", use: update)
        router.post("/accounts/{id}/reset", use: reset)
        router.get("/invites", use: invites)
        router.post("/invites", use: invite)
        router.delete("/invites/{id}", use: revoke)
        router.post("/invites/{id}/revoke", use: revoke)
    }

    /// `GET /accounts`: the page, or `{"accounts": [...]}`.
    @Sendable func index(_ request: Request, context: Context) async throws -> Response {
        try Self.requireAdmin(context)
        if request.wantsJSON {
            return JSONResponse.make(["accounts": try await accounts.users().map(AccountJSON.init)])
        }
        return try await page(context)
    }

    /// `GET /invites`: the links that can still be used, `{"invites": [...]}` (the page lists them too).
    @Sendable func invites(_ request: Request, context: Context) async throws -> Response {
        try Self.requireAdmin(context)
        let now = Date()
        return JSONResponse.make([
            "invites": try await accounts.pendingLinks(now: now).map { AccountLinkJSON(link: $0, now: now) }
        ])
    }

    /// `PATCH /accounts/{id}` with `role` (`admin`, `member`) and/or `disabled` (true, false): `{"account": ...}`;
    /// the page's forms post the same fields and come back to the list. Leaving no enabled admin is a 409.
    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        try Self.requireAdmin(context)
        let id = try context.routeID(naming: "account")
        let fields = try await RequestFields.read(request, accepting: ["role": .text, "disabled": .flag])
        let role = try AccountLinkRequest.role(fields["role"])
        let disabled = try fields["disabled"].map(RequestFields.flag(named: "disabled"))
        guard role != nil || disabled != nil else {
            throw APIError.badRequest("Send role (admin or member) or disabled (true or false).")
        }
        do {
            let user = try Self.changed(
                try await accounts.updateAccount(userID: id, role: role, disabled: disabled), id: id)
            context.logger.info(
                "account changed",
                metadata: [
                    "user.id": "\(id)", "account.role": "\(role?.rawValue ?? "-")",
                    "account.disabled": "\(disabled.map(String.init) ?? "-")",
                ])
            if request.wantsJSON { return JSONResponse.make(["account": AccountJSON(user: user)]) }
            return JSONResponse.seeOther("/accounts")
        } catch let error as APIError where !request.wantsJSON {
            return try await page(context, message: error.message, status: error.status)
        }
    }

    /// `POST /accounts/{id}/reset` (`expires_in_days`): a one-time link that sets a new password for the account
    /// and ends its sessions; earlier pending reset links of the account stop working.
    @Sendable func reset(_ request: Request, context: Context) async throws -> Response {
        let admin = try Self.requireAdmin(context)
        let id = try context.routeID(naming: "account")
        let options = try AccountLinkRequest(
            try await RequestFields.read(request, accepting: AccountLinkRequest.fieldNames))
        let token = SecretToken.newShareToken()
        let now = Date()
        guard
            let link = try await accounts.createLink(
                NewAccountLink(
                    kind: .reset, tokenHash: SecretToken.digest(token), userID: id, createdBy: admin.id,
                    expiresAt: options.expiresAt(now: now)))
        else { throw APIError.notFound("There is no account \(id).") }
        context.logger.info("reset link created", metadata: ["user.id": "\(id)", "link.id": "\(link.id)"])
        return try await created(
            link, token: token, request: request, context: context,
            heading: "Password reset link for \(link.username ?? "the account")",
            explanation:
                "Send it to them. It works once, until \(Formatting.date(link.expiresAt)) UTC, and signs them out everywhere else and revokes their API tokens. It is shown only this once: copy it now."
        )
    }

    /// `POST /invites` (`username` to fix the name, `note`, `role`, `expires_in_days`, default 7): a one-time
    /// link with which the person chooses a password (and a name) and is signed in.
    @Sendable func invite(_ request: Request, context: Context) async throws -> Response {
        let admin = try Self.requireAdmin(context)
        let options: AccountLinkRequest
        do {
            options = try AccountLinkRequest(
                try await RequestFields.read(request, accepting: AccountLinkRequest.fieldNames))
            if let name = options.username, try await accounts.credentials(username: name) != nil {
                throw APIError(
                    .conflict, "username_taken",
                    "There is already an account named \(name) (names are compared without regard to case).")
            }
        } catch let error as APIError where !request.wantsJSON {
            return try await page(context, message: error.message, status: error.status)
        }
        let token = SecretToken.newShareToken()
        guard
            let link = try await accounts.createLink(
                NewAccountLink(
                    kind: .invite, tokenHash: SecretToken.digest(token), username: options.username,
                    role: options.role, note: options.note, createdBy: admin.id,
                    expiresAt: options.expiresAt(now: Date())))
        else { throw APIError.unavailable("The invite could not be recorded; try again.") }
        context.logger.info("invite created", metadata: ["link.id": "\(link.id)"])
        return try await created(
            link, token: token, request: request, context: context, heading: "Invite link ready",
            explanation:
                "Send it to the person you invite. It works once, until \(Formatting.date(link.expiresAt)) UTC. It is shown only this once: copy it now."
        )
    }

    /// `DELETE /invites/{id}` (204) or the page's `POST /invites/{id}/revoke`: the link answers 410 from now on.
    @Sendable func revoke(_ request: Request, context: Context) async throws -> Response {
        try Self.requireAdmin(context)
        let id = try context.routeID(naming: "invite")
        guard try await accounts.revokeLink(id: id) else {
            throw APIError.notFound("There is no pending invite or reset link \(id).")
        }
        context.logger.info("account link revoked", metadata: ["link.id": "\(id)"])
        if request.method == .delete { return Response(status: .noContent) }
        if request.wantsJSON { return JSONResponse.make(["revoked": id]) }
        return JSONResponse.seeOther("/accounts")
    }

    /// 201 with `{"invite": ...}` (its `url` and `token`), or the accounts page showing the link once.
    private func created(
        _ link: AccountLink, token: String, request: Request, context: Context, heading: String, explanation: String
    ) async throws -> Response {
        let url = LinkController.absoluteURL(request, path: "/invite/\(token)")
        if request.wantsJSON {
            return JSONResponse.make(
                ["invite": AccountLinkJSON(link: link, now: Date(), token: token, url: url)], status: .created)
        }
        return try await page(
            context,
            secret: OneTimeSecret(heading: heading, explanation: explanation, value: url, label: "The link"),
            status: .created)
    }

    /// The accounts page, with a link just made or the reason a change was refused.
    private func page(
        _ context: Context, secret: OneTimeSecret? = nil, message: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let users = try await accounts.users()
        let links = try await accounts.pendingLinks(now: Date())
        let enabledAdmins = users.count { $0.isAdmin && !$0.isDisabled }
        return renderer.page(
            "accounts",
            AccountsPage(
                chrome: PageChrome(context, section: .accounts),
                accounts: users.map { AccountRow($0, viewer: context.user?.id, enabledAdmins: enabledAdmins) },
                invites: links.map(InviteRow.init),
                hasInvites: !links.isEmpty, secret: secret, message: message, expiryChoices: ExpiryChoice.all()),
            status: status)
    }

    /// The user of a change that went through; a 404 or 409 otherwise.
    private static func changed(_ change: AccountChange, id: Int64) throws -> User {
        switch change {
        case .changed(let user): return user
        case .notFound: throw APIError.notFound("There is no account \(id).")
        case .lastAdmin:
            throw APIError(
                .conflict, "last_admin",
                "This is the last enabled admin account: make another account an admin first, so someone can still manage accounts."
            )
        }
    }

    /// The signed-in admin; 401 without sign-in, 403 for anyone else.
    @discardableResult
    static func requireAdmin(_ context: Context) throws -> SignedInUser {
        guard let user = context.user else {
            throw APIError(.unauthorized, "unauthorized", "Sign in as an admin to manage accounts.")
        }
        guard user.isAdmin else { throw APIError(.forbidden, "forbidden", "Only an admin can manage accounts.") }
        return user
    }
}
