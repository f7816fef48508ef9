import Glibc
import Testing
@testable import VerifyMedia

@Suite("io_uring queue")
struct URingQueueTests {
    /// On kernels before 5.11 liburing waits with a timeout request of its
    /// own, whose completion carries user_data all ones (LIBURING_UDATA_TIMEOUT);
    /// that completion, and any other that is not one of our reads, is passed over.
    @Test("completions that are not reads are passed over, liburing's timeouts included (issue 11.11)")
    func foreignCompletionsArePassedOver() throws {
        let fd = try FileDescriptor.open("/dev/zero", O_RDONLY)
        defer { fd.close() }
        let queue: URingQueue
        do {
            queue = try URingQueue(fd: fd, depth: 4, ioSize: 4096, idlePriority: false)
        } catch {
            // io_uring disabled here (ENOSYS, EPERM): nothing to test.
            return
        }
        queue.prepareNoOperation(userData: .max)
        queue.prepareNoOperation(userData: 99)
        queue.prepare(slot: 2, offset: 0, length: 4096)
        var completed: [(Int, Int)] = []
        for _ in 0..<10 where completed.isEmpty {
            try queue.submitAndWait(minimum: 1, timeoutNanoseconds: 100_000_000) { completed.append(($0, $1)) }
        }
        #expect(completed.map(\.0) == [2])
        #expect(completed.first?.1 == 4096)
    }
}
