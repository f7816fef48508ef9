/// What the readers of one device work with: where chunks come from, how
/// fast to go, when to stop, and where to report. Readers write nothing
/// but reports to `sink`.
struct ReadContext: Sendable {
    let device: BlockDevice
    let tuning: ReadTuning
    let chunks: LaneQueues
    let pacer: Pacer
    let stop: DeviceStop
    let sink: any ScanSink
    /// Chunks near earlier media errors are read in pieces.
    var errorZones: MediaErrorZones? = nil
}
