import Glibc

/// A bounded first-in first-out queue between dedicated threads (failed
/// reads on their way to the pinpointer): `push` waits while it is full,
/// `pop` waits while it is empty, and `close` lets both sides finish.
final class BlockingQueue<Element>: @unchecked Sendable {
    private var items: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false
    private var mutex = pthread_mutex_t()
    private var notEmpty = pthread_cond_t()
    private var notFull = pthread_cond_t()

    init(capacity: Int) {
        items = Array(repeating: nil, count: max(1, capacity))
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&notEmpty, nil)
        pthread_cond_init(&notFull, nil)
    }

    deinit {
        pthread_mutex_destroy(&mutex)
        pthread_cond_destroy(&notEmpty)
        pthread_cond_destroy(&notFull)
    }

    /// Appends, waiting for room; false when the queue was closed.
    @discardableResult
    func push(_ element: Element) -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while count == items.count && !closed { pthread_cond_wait(&notFull, &mutex) }
        if closed { return false }
        items[(head + count) % items.count] = element
        count += 1
        pthread_cond_signal(&notEmpty)
        return true
    }

    /// Takes the oldest element, waiting for one; nil once closed and empty.
    func pop() -> Element? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while count == 0 && !closed { pthread_cond_wait(&notEmpty, &mutex) }
        return takeLocked()
    }

    /// Takes every element queued now, without waiting.
    func drain() -> [Element] {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        var elements: [Element] = []
        while let element = takeLocked() { elements.append(element) }
        return elements
    }

    /// No more pushes; pops drain what is left. Idempotent.
    func close() {
        pthread_mutex_lock(&mutex)
        closed = true
        pthread_cond_broadcast(&notEmpty)
        pthread_cond_broadcast(&notFull)
        pthread_mutex_unlock(&mutex)
    }

    private func takeLocked() -> Element? {
        guard count > 0 else { return nil }
        let element = items[head]
        items[head] = nil
        head = (head + 1) % items.count
        count -= 1
        pthread_cond_signal(&notFull)
        return element
    }
}
