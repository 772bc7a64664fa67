import NIOCore

/// A RESP2 reply.
public enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    case bulkString([UInt8]?)  // nil = null bulk string
    case array([RESPValue]?)  // nil = null array
}

extension ByteBuffer {
    /// A command goes to Redis as an array of bulk strings, which makes every argument binary safe.
    mutating func writeRESPCommand(_ arguments: [[UInt8]]) {
        writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            writeString("$\(argument.count)\r\n")
            writeBytes(argument)
            writeString("\r\n")
        }
    }
}
