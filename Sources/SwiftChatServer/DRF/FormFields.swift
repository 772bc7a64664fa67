import Foundation
import Hummingbird
import SwiftChatCore

/// A request body decoded the way Django REST framework's parsers do (JSON or a form), and
/// read field by field with DRF's validation messages. Errors are collected for every field
/// before anything is refused, so a client sees all of them at once.
struct FormFields {
    private let values: [String: JSONValue]
    private(set) var errors: [String: [String]] = [:]

    init(_ values: [String: JSONValue]) {
        self.values = values
    }

    static func decode(_ request: Request, maxSize: Int) async throws -> FormFields {
        let bytes = try await BoundedBody.bytes(of: request, maxSize: maxSize)
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if BoundedBody.isBlank(bytes) { return FormFields([:]) }
        if contentType.hasPrefix("application/x-www-form-urlencoded") {
            return FormFields(formValues(String(decoding: bytes, as: UTF8.self)))
        }
        if contentType.hasPrefix("multipart/form-data") {
            return FormFields(try MultipartForm.fields(bytes, contentType: request.headers[.contentType] ?? ""))
        }
        if contentType.isEmpty || contentType.hasPrefix("application/json") || contentType.contains("+json") {
            return FormFields(try jsonObject(bytes))
        }
        let shown = contentType.split(separator: ";").first.map(String.init) ?? contentType
        throw APIError.unsupportedMediaType(shown)
    }

    private static func jsonObject(_ bytes: Data) throws -> [String: JSONValue] {
        let value: JSONValue
        do {
            if let problem = PythonJSONError.problem(in: Array(bytes)) { throw APIError.badRequest("JSON parse error - \(problem)") }
            value = try JSONDecoder().decode(JSONValue.self, from: bytes)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("JSON parse error - Expecting value: line 1 column 1 (char 0)")
        }
        guard case .object(let pairs) = value else {
            let kind = switch value {
            case .array: "list"
            case .string: "str"
            case .int: "int"
            case .double: "float"
            case .bool: "bool"
            default: "NoneType"
            }
            throw APIError.nonField(["Invalid data. Expected a dictionary, but got \(kind)."])
        }
        return Dictionary(pairs, uniquingKeysWith: { _, last in last })
    }

    private static func formValues(_ text: String) -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            values[decode(parts[0])] = .string(parts.count > 1 ? decode(parts[1]) : "")
        }
        return values
    }

    func contains(_ name: String) -> Bool { values[name] != nil }

    mutating func fail(_ name: String, _ message: String) {
        errors[name, default: []].append(message)
    }

    /// Throws the collected field errors, if any.
    func validate() throws {
        if !errors.isEmpty { throw APIError.fields(errors) }
    }

    /// Throws the collected field errors; otherwise returns the values read, all present:
    /// `let (phone, purpose) = try form.validated(form.phone("phone_number"), form.choice(...))`.
    /// `mutating` on purpose: a mutating call reads `self` after its arguments are evaluated, so
    /// the errors those readers record are seen (a non-mutating call would copy `self` first).
    mutating func validated<each Value>(_ values: repeat (each Value)?) throws -> (repeat each Value) {
        try validate()
        return (repeat try Self.present(each values))
    }

    /// A reader that returns nil has recorded an error, so after `validate()` this never throws.
    private static func present<Value>(_ value: Value?) throws -> Value {
        guard let value else { throw APIError.badRequest("A required field is missing.") }
        return value
    }

    /// DRF `CharField`: strings, numbers turned to text; trimmed; blank and null refused
    /// unless allowed. Missing and not required gives nil.
    mutating func string(_ name: String, required: Bool = true, allowBlank: Bool = false, allowNull: Bool = false, maxLength: Int? = nil) -> String?? {
        guard let value = values[name] else {
            if required { fail(name, ErrorText.required) }
            return nil
        }
        let text: String
        switch value {
        case .null:
            if allowNull { return .some(nil) }
            fail(name, ErrorText.notNull)
            return nil
        case .string(let s): text = s.trimmingCharacters(in: .whitespacesAndNewlines)
        case .int(let n): text = String(n)
        case .double(let d): text = String(d)
        default:
            fail(name, ErrorText.notAString)
            return nil
        }
        if text.isEmpty && !allowBlank {
            fail(name, ErrorText.blank)
            return nil
        }
        // DRF runs every validator and reports each failure: length, then NUL (which SQLite
        // would silently cut the text at).
        var valid = true
        if let maxLength, text.count > maxLength {
            fail(name, ErrorText.maxLength(maxLength))
            valid = false
        }
        if text.utf8.contains(0) {
            fail(name, ErrorText.nullCharacters)
            valid = false
        }
        return valid ? .some(text) : nil
    }

    /// The registration password: DRF's `CharField(max_length=128)`, and nothing bcrypt would
    /// cut short (over 72 bytes, or a NUL).
    mutating func password(_ name: String) -> String? {
        guard let text = string(name, maxLength: 128) ?? nil else { return nil }
        if let problem = PasswordHasher.problem(with: text) {
            fail(name, problem)
            return nil
        }
        return text
    }

    /// A required text field (see `string`).
    mutating func requiredString(_ name: String, maxLength: Int? = nil) -> String? {
        string(name, required: true, maxLength: maxLength) ?? nil
    }

    /// DRF `IntegerField`: integers, integral floats and numeric strings.
    mutating func integer(_ name: String) -> Int64? {
        guard let value = values[name] else {
            fail(name, ErrorText.required)
            return nil
        }
        switch value {
        case .int(let n): return n
        case .double(let d) where d.rounded() == d && abs(d) < 9e18: return Int64(d)
        case .string(let s):
            let text = s.trimmingCharacters(in: .whitespaces)
            if let n = Int64(text) { return n }
            if let dot = text.firstIndex(of: "."), text[text.index(after: dot)...].allSatisfy({ $0 == "0" }), let n = Int64(text[..<dot]) {
                return n
            }
        case .null:
            fail(name, ErrorText.notNull)
            return nil
        default: break
        }
        fail(name, ErrorText.invalidInteger)
        return nil
    }

    /// django-phonenumber-field: any number libphonenumber accepts, with the country code.
    mutating func phone(_ name: String) -> PhoneNumber? {
        guard let text = requiredString(name) else { return nil }
        guard let phone = PhoneNumber(parsing: text) else {
            fail(name, ErrorText.invalidPhone)
            return nil
        }
        return phone
    }

    /// DRF `ChoiceField`.
    mutating func choice<T: RawRepresentable>(_ name: String, as type: T.Type) -> T? where T.RawValue == String {
        guard let value = values[name] else {
            fail(name, ErrorText.required)
            return nil
        }
        let text: String
        switch value {
        case .string(let s): text = s
        case .int(let n): text = String(n)
        case .null:
            fail(name, ErrorText.notNull)
            return nil
        default: text = value.serialized
        }
        guard let choice = T(rawValue: text) else {
            fail(name, ErrorText.invalidChoice(text))
            return nil
        }
        return choice
    }

    /// DRF `PrimaryKeyRelatedField`: the id's shape only; the caller checks it exists.
    mutating func primaryKey(_ name: String) -> Int64? {
        guard let value = values[name] else {
            fail(name, ErrorText.required)
            return nil
        }
        switch value {
        case .int(let n): return n
        case .string(let s):
            if let n = Int64(s.trimmingCharacters(in: .whitespaces)) { return n }
            fail(name, ErrorText.pkWrongType)
        case .null: fail(name, ErrorText.notNull)
        case .bool: fail(name, "Incorrect type. Expected pk value, received bool.")
        case .double: fail(name, "Incorrect type. Expected pk value, received float.")
        case .array: fail(name, "Incorrect type. Expected pk value, received list.")
        case .object: fail(name, "Incorrect type. Expected pk value, received dict.")
        }
        return nil
    }

    /// DRF `EmailField` with `allow_null` and `allow_blank` (the user model's email).
    mutating func email(_ name: String) -> String?? {
        guard let value = string(name, required: false, allowBlank: true, allowNull: true, maxLength: 254) else { return nil }
        guard let text = value, !text.isEmpty else { return .some(value) }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        let valid = parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
            && !parts[1].hasSuffix(".") && !text.contains(where: \.isWhitespace)
        if !valid {
            fail(name, ErrorText.invalidEmail)
            return nil
        }
        return .some(text)
    }
}
