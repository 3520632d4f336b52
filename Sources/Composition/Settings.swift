import ArgumentParser

/// The flags one command was given, by group; a group the command does not take is nil, and its settings come from
/// the environment or their defaults (DESIGN §2).
package struct Settings {
    package var process: ProcessOptions?
    package var database: DatabaseOptions?
    package var storage: StorageOptions?
    package var listen: ListenOptions?
    package var server: ServerOptions?
    package var imageLimits: ImageLimitOptions?
    package var imaging: ImagingOptions?
    package var queue: QueueOptions?
    package var worker: WorkerOptions?
    package var cache: CacheOptions?
    package var passwords: PasswordOptions?
    package var trash: TrashOptions?

    package init(
        process: ProcessOptions? = nil, database: DatabaseOptions? = nil, storage: StorageOptions? = nil,
        listen: ListenOptions? = nil, server: ServerOptions? = nil, imageLimits: ImageLimitOptions? = nil,
        imaging: ImagingOptions? = nil, queue: QueueOptions? = nil, worker: WorkerOptions? = nil,
        cache: CacheOptions? = nil, passwords: PasswordOptions? = nil, trash: TrashOptions? = nil
    ) {
        self.process = process
        self.database = database
        self.storage = storage
        self.listen = listen
        self.server = server
        self.imageLimits = imageLimits
        self.imaging = imaging
        self.queue = queue
        self.worker = worker
        self.cache = cache
        self.passwords = passwords
        self.trash = trash
    }
}

/// Every group of flags: `app dev` (a server and a worker in one) and `app check` (which prints them all) read
/// them all, and the tests parse through it.
package struct AllOptions: ParsableArguments {
    package init() {}

    @OptionGroup(title: ProcessOptions.title) package var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) package var database: DatabaseOptions
    @OptionGroup(title: StorageOptions.title) package var storage: StorageOptions
    @OptionGroup(title: ListenOptions.title) package var listen: ListenOptions
    @OptionGroup(title: ServerOptions.title) package var server: ServerOptions
    @OptionGroup(title: ImageLimitOptions.title) package var imageLimits: ImageLimitOptions
    @OptionGroup(title: ImagingOptions.title) package var imaging: ImagingOptions
    @OptionGroup(title: QueueOptions.title) package var queue: QueueOptions
    @OptionGroup(title: WorkerOptions.title) package var worker: WorkerOptions
    @OptionGroup(title: CacheOptions.title) package var cache: CacheOptions
    @OptionGroup(title: PasswordOptions.title) package var passwords: PasswordOptions
    @OptionGroup(title: TrashOptions.title) package var trash: TrashOptions

    package var settings: Settings {
        Settings(
            process: process, database: database, storage: storage, listen: listen, server: server,
            imageLimits: imageLimits, imaging: imaging, queue: queue, worker: worker, cache: cache,
            passwords: passwords, trash: trash)
    }
}
