/// Hands a value that is only ever touched by one thread at a time to the
/// thread that owns it from then on.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
