import Dispatch
import LinearAlgebra

/// Runs independent tasks on up to `threads` worker threads and returns their results in task order.
///
/// Each task must depend only on its index (and per-index seeds), so results are identical
/// for any thread count. BLAS is limited to one thread while workers run, so that parallel
/// tasks do not oversubscribe the cores.
public enum ParallelMap {
    /// `task(0) … task(count-1)` on up to `threads` threads, in task order.
    ///
    /// Complexity: `count` calls of `task`, spread round-robin over `min(threads, count)` workers.
    public static func map<T: Sendable>(_ count: Int, threads: Int, _ task: @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let workers = max(1, min(threads, count))
        if workers == 1 { return BLASLibrary.withSingleThread { (0..<count).map(task) } }
        let results = ResultSlots<T>(count)
        BLASLibrary.withSingleThread {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var i = w
                while i < count {
                    results.set(i, task(i))
                    i += workers
                }
            }
        }
        return results.values()
    }
}

/// Write-once slots filled from several threads, each slot by exactly one task.
private final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [T?]
    init(_ count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: T) { slots.withUnsafeMutableBufferPointer { $0[i] = value } }
    func values() -> [T] { slots.map { $0! } }
}
