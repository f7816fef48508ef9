import Glibc

/// The producer side of one device's scan: planning threads stream the
/// space map lane by lane into the lanes' queues. Planning only feeds
/// chunks and reports them; it keeps no scan state.
///
/// GETFSMAP holds an allocation group's header locked while it walks that
/// group's rmap btree, one synchronous block read after another, so two
/// streams in one group take turns while streams in different groups read
/// side by side. The threads therefore take the lowest lane not yet planned
/// whose group no other thread is mapping: on flash, one stream per group
/// close to the readers, as far ahead as the queues' budget allows. On a
/// spinning disk one thread plans the lanes in order, so that the space
/// map's reads stay near the sweep instead of pulling the heads across
/// the disk.
struct ChunkFeeder: Sendable {
    /// Each planner is used by one planning thread at a time.
    let planners: UncheckedSendable<[LanePlanner]>
    /// Per lane: the group whose space map lock it shares.
    let groups: [Int]
    let threads: Int
    let queues: LaneQueues
    let sink: any ScanSink
    let stop: DeviceStop
    /// Why the scan stops when GETFSMAP says the filesystem is gone (ENODEV).
    let vanished: @Sendable () -> StopCause

    /// Planning threads on flash, at most.
    static let parallelGroups = 4

    func run() {
        let picker = LanePicker(groups: groups)
        let workers = (0..<max(1, min(threads, planners.value.count))).map { index in
            DedicatedThread.start(name: "plan-\(index)") { [self] in
                while let lane = picker.next() {
                    plan(planners.value[lane])
                    picker.done(lane)
                }
            }
        }
        workers.forEach { $0.join() }
    }

    /// Plans one lane into its queue, to its end unless the scan stops or
    /// the space map cannot be read.
    private func plan(_ planner: LanePlanner) {
        let lane = planner.lane.index
        defer {
            sink.laneMapped(lane, records: planner.records, nanoseconds: planner.mapNanoseconds)
            queues.finish(lane: lane)
        }
        do {
            while let chunk = try planner.next() {
                sink.planned(chunk, resumePoint: planner.resumePoint)
                if stop.isRequested || !queues.push(chunk) {
                    sink.dropped(chunk)
                    return
                }
            }
            sink.lanePlanned(lane)
        } catch .ENODEV {
            stop.scan.request(vanished())
        } catch {
            sink.laneUnplannable(lane, from: planner.resumePoint, error: error)
        }
    }
}

/// Hands out lanes to planning threads: the lowest lane not yet taken
/// whose group is not being mapped, waiting while every such lane's group
/// is busy; nil once every lane is taken.
final class LanePicker: @unchecked Sendable {
    private let groups: [Int]
    private var taken: [Bool]
    /// Every lane before this one is taken.
    private var first = 0
    private var busy: Set<Int> = []
    private var mutex = pthread_mutex_t()
    private var freed = pthread_cond_t()

    init(groups: [Int]) {
        self.groups = groups
        taken = Array(repeating: false, count: groups.count)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&freed, nil)
    }

    deinit {
        pthread_mutex_destroy(&mutex)
        pthread_cond_destroy(&freed)
    }

    func next() -> Int? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while true {
            while first < taken.count && taken[first] { first += 1 }
            if first == taken.count { return nil }
            if let lane = (first..<taken.count).first(where: { !taken[$0] && !busy.contains(groups[$0]) }) {
                taken[lane] = true
                busy.insert(groups[lane])
                return lane
            }
            pthread_cond_wait(&freed, &mutex)
        }
    }

    func done(_ lane: Int) {
        pthread_mutex_lock(&mutex)
        busy.remove(groups[lane])
        pthread_cond_broadcast(&freed)
        pthread_mutex_unlock(&mutex)
    }
}
