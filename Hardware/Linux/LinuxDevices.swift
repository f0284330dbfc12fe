#if canImport(Glibc)
  import Glibc
#endif

/// The I2C and GPIO device nodes present on this machine, for `traction devices` and for error
/// messages that say what is there instead.
public enum LinuxDeviceNodes {
  /// `/dev/i2c-*` nodes, in bus-number order.
  public static func i2cBuses(in directory: String = "/dev") -> [String] {
    nodes(in: directory, prefix: "i2c-")
  }

  /// `/dev/gpiochip*` nodes, in chip-number order.
  public static func gpioChips(in directory: String = "/dev") -> [String] {
    nodes(in: directory, prefix: "gpiochip")
  }

  /// Entries named `<prefix><number>`, sorted by number. An unreadable directory lists nothing.
  static func nodes(in directory: String, prefix: String) -> [String] {
    #if canImport(Glibc)
      guard let dir = opendir(directory) else { return [] }
      defer { closedir(dir) }
      var found: [(Int, String)] = []
      while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
          let bytes = raw.prefix { $0 != 0 }
          return String(decoding: bytes, as: UTF8.self)
        }
        guard name.hasPrefix(prefix), let number = Int(name.dropFirst(prefix.count)) else {
          continue
        }
        found.append((number, name))
      }
      let base = directory.hasSuffix("/") ? directory : directory + "/"
      return found.sorted { $0.0 < $1.0 }.map { base + $0.1 }
    #else
      _ = (directory, prefix)
      return []
    #endif
  }
}
