/// A fixed-capacity history of doubles addressed by an absolute, ever-growing index: slot `i` holds
/// the value written for index `i` as long as `i` is among the last `capacity` writes. Storage is
/// allocated once, at init; writing and reading never allocate.
struct IndexedRing: Sendable {
  private var storage: ContiguousArray<Double>
  private let mask: Int

  /// Capacity is rounded up to a power of two.
  init(minimumCapacity: Int) {
    var c = 1
    while c < max(2, minimumCapacity) { c <<= 1 }
    storage = ContiguousArray(repeating: .nan, count: c)
    mask = c - 1
  }

  var capacity: Int { mask + 1 }

  subscript(_ index: Int) -> Double {
    get { storage[index & mask] }
    set { storage[index & mask] = newValue }
  }

  /// Mean of the values at indices `lo...hi`.
  func mean(_ lo: Int, _ hi: Int) -> Double {
    var s = 0.0
    for i in lo...hi { s += self[i] }
    return s / Double(hi - lo + 1)
  }

  /// Least-squares slope of the values at indices `lo...hi`, per index step.
  func slope(_ lo: Int, _ hi: Int) -> Double {
    let mid = Double(lo + hi) / 2
    var num = 0.0
    var den = 0.0
    for i in lo...hi {
      let d = Double(i) - mid
      num += d * self[i]
      den += d * d
    }
    return num / den
  }
}

/// A small first-in first-out queue of values with a fixed capacity; when full, the oldest value is
/// dropped (and counted) so memory never grows.
struct BoundedQueue<Element: Sendable>: Sendable {
  private var storage: ContiguousArray<Element?>
  private var head = 0
  private(set) var count = 0
  private(set) var dropped = 0

  init(capacity: Int) {
    storage = ContiguousArray(repeating: nil, count: max(1, capacity))
  }

  mutating func push(_ e: Element) {
    if count == storage.count {
      head = (head + 1) % storage.count
      count -= 1
      dropped += 1
    }
    storage[(head + count) % storage.count] = e
    count += 1
  }

  mutating func pop() -> Element? {
    guard count > 0 else { return nil }
    let e = storage[head]
    storage[head] = nil
    head = (head + 1) % storage.count
    count -= 1
    return e
  }
}
