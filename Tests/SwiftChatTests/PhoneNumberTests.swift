import Foundation
import Testing
@testable import SwiftChatCore

@Suite("PhoneNumber")
struct PhoneNumberTests {
    // MARK: The original app's rules

    @Test("spaces are allowed and the number is normalised to E.164")
    func spacesAllowed() throws {
        let number = try #require(PhoneNumber(parsing: "+91 98123 00003"))
        #expect(number.e164 == "+919812300003")
        #expect(number.description == "+919812300003")
        #expect(PhoneNumber(parsing: "+919812300003") == number)
    }

    @Test("a number without +<country code> is rejected (no default region)")
    func noPlusRejected() {
        #expect(PhoneNumber(parsing: "98123 00003") == nil)
        #expect(PhoneNumber(parsing: "919812300003") == nil)
        #expect(PhoneNumber(parsing: "0091 98123 00003") == nil)
        #expect(PhoneNumber(parsing: "") == nil)
        #expect(PhoneNumber(parsing: "+") == nil)
    }

    @Test("+91720977989 (one digit short) is invalid")
    func shortIndianNumberInvalid() {
        #expect(PhoneNumber(parsing: "+91720977989") == nil)
    }

    @Test("the demo users' phones are valid", arguments: [
        "+917809772989", "+917909772989", "+918744964282", "+918474964282", "+917209779890",
    ])
    func demoPhonesValid(_ phone: String) throws {
        let number = try #require(PhoneNumber(parsing: phone))
        #expect(number.e164 == phone)
    }

    @Test("+911234567891 is valid for libphonenumber (an Indian fixed-line range)")
    func indianFixedLine() {
        #expect(PhoneNumber(parsing: "+911234567891")?.e164 == "+911234567891")
    }

    @Test("punctuation is ignored, national prefixes after the code are dropped")
    func formatting() {
        #expect(PhoneNumber(parsing: "+91-98123-00003")?.e164 == "+919812300003")
        #expect(PhoneNumber(parsing: "+91 (981) 230.0003")?.e164 == "+919812300003")
        #expect(PhoneNumber(parsing: " +44 (0) 20 7946 0000 ")?.e164 == "+442079460000")
        #expect(PhoneNumber(parsing: "+1 650 253 0000")?.e164 == "+16502530000")
        #expect(PhoneNumber(parsing: "+39 06 6988 1234")?.e164 == "+390669881234")
        #expect(PhoneNumber(parsing: "Tel: +91 98123 00003 ext. 5")?.e164 == "+919812300003")
        #expect(PhoneNumber(parsing: "+999 123 456") == nil)
        #expect(PhoneNumber(parsing: "+91 98123 0000a") == nil)
    }

    // MARK: Agreement with phonenumbers

    @Test("every generated vector agrees with phonenumbers")
    func generatedVectors() throws {
        let vectors = try JSONDecoder().decode([[String?]].self, from: Data(PhoneVectors.json.utf8))
        #expect(vectors.count > 3000)
        #expect(PhoneVectors.phonenumbersVersion == GeneratedPhoneMetadata.phonenumbersVersion)
        var disagreements: [String] = []
        for vector in vectors {
            let input = try #require(vector.first ?? nil)
            let expected = vector.count > 1 ? vector[1] : nil
            let actual = PhoneNumber(parsing: input)?.e164
            if actual != expected {
                disagreements.append("\(input.debugDescription): expected \(expected ?? "nil"), got \(actual ?? "nil")")
            }
        }
        let disagreementCount = disagreements.count
        #expect(disagreementCount == 0,
                "\(disagreementCount) of \(vectors.count) vectors disagree, e.g.\n\(disagreements.prefix(20).joined(separator: "\n"))")
    }

    @Test("every metadata pattern compiles with ICU")
    func patternsCompile() {
        let result = PhoneMetadataStore.shared.compileAll()
        #expect(result.parserExpressionsUsable)
        #expect(result.unusableTerritories.isEmpty, "\(result.unusableTerritories)")
    }

    @Test("parsing is safe from many threads at once")
    func concurrentParsing() async {
        let inputs = ["+91 98123 00003", "+1 650 253 0000", "+44 20 7946 0000", "+7 495 123 4567",
                      "+61 4 1234 5678", "+39 06 6988 1234", "+1 268 464 1234", "+91720977989"]
        let expected = inputs.map { PhoneNumber(parsing: $0)?.e164 }
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for task in 0..<16 {
                group.addTask {
                    var bad = 0
                    for round in 0..<200 {
                        let index = (task + round) % inputs.count
                        if PhoneNumber(parsing: inputs[index])?.e164 != expected[index] { bad += 1 }
                    }
                    return bad
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
