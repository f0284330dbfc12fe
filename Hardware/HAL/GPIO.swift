/// An edge seen on an input line.
public struct GPIOEdgeEvent: Sendable, Equatable {
  public enum Edge: Sendable, Equatable { case rising, falling }
  public var edge: Edge
  /// Monotonic time of the edge in nanoseconds, on the same time base as the ``DelayClock`` in use.
  public var timestampNanoseconds: UInt64

  public init(edge: Edge, timestampNanoseconds: UInt64) {
    self.edge = edge
    self.timestampNanoseconds = timestampNanoseconds
  }
}

/// Which edges an input line reports.
public enum GPIOEdgeDetection: Sendable, Equatable { case none, rising, falling, both }

/// A GPIO line requested as an output.
public protocol GPIOOutputLine {
  mutating func set(high: Bool) throws(GPIOError)
}

/// A GPIO line requested as an input.
public protocol GPIOInputLine {
  /// The current level: `true` is high.
  mutating func isHigh() throws(GPIOError) -> Bool
  /// Waits up to `timeoutNanoseconds` for an edge of the kind the line was requested with.
  /// Returns nil on timeout (a timeout is not an error here: the caller decides).
  mutating func waitForEdge(timeoutNanoseconds: UInt64) throws(GPIOError) -> GPIOEdgeEvent?
}
