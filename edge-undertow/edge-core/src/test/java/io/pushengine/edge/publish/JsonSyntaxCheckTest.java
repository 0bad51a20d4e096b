package io.pushengine.edge.publish;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.pushengine.codec.sbe.PayloadType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The publish paths' allocation-free checks against the references they stand in for: {@link JsonSyntaxCheck} never
 * accepts what Jackson refuses (and accepts what Jackson accepts, within its limits), {@link Utf8Check} agrees with
 * the JDK's strict decoder both ways. Cases by hand for each rule, then generated documents and their mutations
 * from fixed seeds (a failure names the document).
 */
class JsonSyntaxCheckTest
{
    private static final JsonFactory JACKSON = JsonFactory.builder().build();

    @Test
    void acceptsValidDocumentsJacksonAccepts()
    {
        for (final String json : new String[]{
            "{}", "[]", " {} ", "\t\r\n[ ]\n", "0", "-0", "1", "-12.5e+3", "0.0E-0", "1E5", "123456789012345678901234567890",
            "\"\"", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20AC\\uE000\\uFFFF\"", "true", "false", "null",
            "{\"a\":1}", "{ \"a\" : [1, 2, {\"b\": null}], \"c\": \"é☃𝄞\" }", "[[[[[]]]]]",
            "{\"price\":1.0842,\"symbol\":\"EURUSD\",\"ts\":1733450000000}", "[true,false,null,\"x\",-1,{}]"})
        {
            assertTrue(jacksonAccepts(json), "Jackson accepts " + json);
            assertTrue(JsonSyntaxCheck.isOneValue(bytes(json), 0, bytes(json).length), "accepts " + json);
        }
    }

    @Test
    void refusesWhatJsonDoesNotAllow()
    {
        for (final String json : new String[]{
            "", " ", "{", "}", "[", "]", "{]", "[}", "[1,]", "[,1]", "{,}", "{\"a\":1,}", "{\"a\"}", "{\"a\":}",
            "{a:1}", "{'a':1}", "['a']", "01", "-", "-a", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity",
            "tru", "truex", "nul", "falsey", "True", "{} {}", "1 2", "[1]x", "\"abc", "\"a\\x\"", "\"\\u12G4\"",
            "\"\\u12\"", "\"tab\there\"", "\"nl\nhere\"", "[1 2]", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "/* c */ 1",
            "[1] // c", "[\"a\",]"})
        {
            assertFalse(JsonSyntaxCheck.isOneValue(bytes(json), 0, bytes(json).length), "refuses " + json);
            assertFalse(jacksonAccepts(json), "Jackson refuses " + json);
        }
    }

    @Test
    void leavesToJacksonWhatItDoesNotFollow()
    {
        final String deep = "[".repeat(JsonSyntaxCheck.MAX_DEPTH + 1) + "]".repeat(JsonSyntaxCheck.MAX_DEPTH + 1);
        assertFalse(JsonSyntaxCheck.isOneValue(bytes(deep), 0, bytes(deep).length), "deeper than it follows");
        final String atDepth = "[".repeat(JsonSyntaxCheck.MAX_DEPTH) + "]".repeat(JsonSyntaxCheck.MAX_DEPTH);
        assertTrue(JsonSyntaxCheck.isOneValue(bytes(atDepth), 0, bytes(atDepth).length), "as deep as it follows");
        final String longNumber = "1".repeat(JsonSyntaxCheck.MAX_NUMBER_LENGTH + 1);
        assertFalse(JsonSyntaxCheck.isOneValue(bytes(longNumber), 0, bytes(longNumber).length));
        final String longName = "{\"" + "n".repeat(JsonSyntaxCheck.MAX_NAME_LENGTH + 1) + "\":1}";
        assertFalse(JsonSyntaxCheck.isOneValue(bytes(longName), 0, bytes(longName).length));
        final String name = "{\"" + "n".repeat(JsonSyntaxCheck.MAX_NAME_LENGTH) + "\":1}";
        assertTrue(JsonSyntaxCheck.isOneValue(bytes(name), 0, bytes(name).length));
        final byte[] bom = { (byte)0xEF, (byte)0xBB, (byte)0xBF, '{', '}' };
        assertFalse(JsonSyntaxCheck.isOneValue(bom, 0, bom.length), "a byte-order mark");
        final String pair = "{\"\\uD834\\uDD1E\":\"\\uDEAD\"}"; // a pair in a name, a lone one in a value
        assertFalse(JsonSyntaxCheck.isOneValue(bytes(pair), 0, bytes(pair).length), "escaped surrogates");
        final String badPair = "{\"\\uD834\\uD0D1\":1}"; // found by the mutations below: Jackson refuses it
        assertFalse(jacksonAccepts(badPair));

        // and the validator then gives Jackson's verdict: the same answers as before the fast path
        final PayloadValidator validator = new PayloadValidator();
        assertNull(validator.check(PayloadType.JSON, bytes(deep), 0, bytes(deep).length));
        assertNull(validator.check(PayloadType.JSON, bom, 0, bom.length));
        assertNull(validator.check(PayloadType.JSON, bytes(pair), 0, bytes(pair).length));
        assertTrue(validator.check(PayloadType.JSON, bytes(badPair), 0, bytes(badPair).length)
            .startsWith("not valid JSON: "));
        for (final String odd : new String[]{ "\u000b1", "1\u0000" }) // Jackson accepts both; this check does not
        {
            assertFalse(JsonSyntaxCheck.isOneValue(bytes(odd), 0, 2));
            assertEquals(jacksonAccepts(odd), null == validator.check(PayloadType.JSON, bytes(odd), 0, 2));
        }
        assertTrue(validator.check(PayloadType.JSON, bytes("[1,]"), 0, 4).startsWith("not valid JSON: "));
        assertEquals("not valid JSON: more than one value", validator.check(PayloadType.JSON, bytes("{} {}"), 0, 5));
        assertEquals("not valid JSON: no value", validator.check(PayloadType.JSON, bytes("  "), 0, 2));
    }

    @Test
    void looksOnlyInsideItsRange()
    {
        final byte[] framed = bytes("xx{\"a\":[1,2]}yy");
        assertTrue(JsonSyntaxCheck.isOneValue(framed, 2, framed.length - 4));
        assertFalse(JsonSyntaxCheck.isOneValue(framed, 2, framed.length - 5), "cut before its last brace");
        final byte[] number = bytes("[12]");
        assertTrue(JsonSyntaxCheck.isOneValue(number, 1, 1), "1 of 12");
    }

    @Test
    void neverAcceptsWhatJacksonRefusesInGeneratedAndMutatedDocuments()
    {
        final Random random = new Random(20261206L);
        final byte[] alphabet = bytes("{}[],:\"\\ -+.0123456789eEtrufalsn/bxu\t\n\r'a");
        int valid = 0;
        int acceptedValid = 0;
        int mutants = 0;
        for (int n = 0; n < 20_000; n++)
        {
            final StringBuilder document = new StringBuilder();
            value(random, document, 0);
            final byte[] original = bytes(document.toString());
            assertTrue(jacksonAccepts(document.toString()), "generated: " + document);
            if (!document.toString().contains("\\uD")) // escaped surrogates go to Jackson
            {
                valid++;
                acceptedValid += JsonSyntaxCheck.isOneValue(original, 0, original.length) ? 1 : 0;
            }
            for (int m = 0; m < 5; m++)
            {
                final byte[] mutant = mutate(random, original, alphabet);
                if (!jdkAccepts(mutant))
                {
                    continue; // cut inside a character: the validator refuses it as UTF-8 before this check
                }
                if (JsonSyntaxCheck.isOneValue(mutant, 0, mutant.length))
                {
                    assertTrue(jacksonAccepts(mutant),
                        "accepted what Jackson refuses: " + new String(mutant, StandardCharsets.UTF_8));
                }
                mutants++;
            }
        }
        assertEquals(valid, acceptedValid, "every generated document is within its limits and accepted");
        assertTrue(mutants > 0);
    }

    @Test
    void utf8AgreesWithTheJdksStrictDecoder()
    {
        final byte[][] cases = {
            {}, { 'a' }, { (byte)0xC3, (byte)0xA9 }, { (byte)0xE2, (byte)0x98, (byte)0x83 },
            { (byte)0xF0, (byte)0x9D, (byte)0x84, (byte)0x9E }, { (byte)0xF4, (byte)0x8F, (byte)0xBF, (byte)0xBF },
            { (byte)0xC0, (byte)0x80 }, { (byte)0xC1, (byte)0xBF }, { (byte)0xE0, (byte)0x80, (byte)0x80 },
            { (byte)0xE0, (byte)0x9F, (byte)0xBF }, { (byte)0xED, (byte)0xA0, (byte)0x80 },
            { (byte)0xED, (byte)0x9F, (byte)0xBF }, { (byte)0xF0, (byte)0x8F, (byte)0xBF, (byte)0xBF },
            { (byte)0xF4, (byte)0x90, (byte)0x80, (byte)0x80 }, { (byte)0xF5, (byte)0x80, (byte)0x80, (byte)0x80 },
            { (byte)0x80 }, { (byte)0xBF }, { (byte)0xC3 }, { (byte)0xE2, (byte)0x98 }, { (byte)0xF0, (byte)0x9D },
            { (byte)0xE2, 'a', (byte)0x83 }, { (byte)0xFF }, { 'a', (byte)0xC3, (byte)0xA9, 'b' }};
        for (final byte[] bytes : cases)
        {
            assertEquals(jdkAccepts(bytes), Utf8Check.isWellFormed(bytes, 0, bytes.length), hex(bytes));
        }

        final Random random = new Random(6122026L);
        final int[] interesting = { 0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
            0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF };
        for (int n = 0; n < 200_000; n++)
        {
            final byte[] bytes = new byte[1 + random.nextInt(6)];
            for (int i = 0; i < bytes.length; i++)
            {
                bytes[i] = (byte)(random.nextBoolean() ? interesting[random.nextInt(interesting.length)] :
                    random.nextInt(256));
            }
            assertEquals(jdkAccepts(bytes), Utf8Check.isWellFormed(bytes, 0, bytes.length), hex(bytes));
        }
    }

    private static void value(final Random random, final StringBuilder out, final int depth)
    {
        final int kind = random.nextInt(depth >= 6 ? 5 : 7);
        switch (kind)
        {
            case 0 -> out.append(random.nextBoolean() ? "true" : random.nextBoolean() ? "false" : "null");
            case 1 -> number(random, out);
            case 2, 3 -> string(random, out);
            case 4 -> out.append(random.nextBoolean() ? "[]" : "{}");
            case 5 ->
            {
                out.append('[');
                for (int i = 0, n = random.nextInt(4); i < n; i++)
                {
                    out.append(i > 0 ? "," : "").append(whitespace(random));
                    value(random, out, depth + 1);
                    out.append(whitespace(random));
                }
                out.append(']');
            }
            default ->
            {
                out.append('{');
                for (int i = 0, n = random.nextInt(4); i < n; i++)
                {
                    out.append(i > 0 ? "," : "").append(whitespace(random));
                    string(random, out);
                    out.append(whitespace(random)).append(':').append(whitespace(random));
                    value(random, out, depth + 1);
                }
                out.append('}');
            }
        }
    }

    private static void number(final Random random, final StringBuilder out)
    {
        if (random.nextBoolean())
        {
            out.append('-');
        }
        out.append(random.nextInt(4) == 0 ? "0" : Integer.toString(1 + random.nextInt(100_000)));
        if (random.nextBoolean())
        {
            out.append('.').append(random.nextInt(1000));
        }
        if (random.nextInt(4) == 0)
        {
            out.append(random.nextBoolean() ? 'e' : 'E').append(random.nextBoolean() ? "" : random.nextBoolean() ?
                "+" : "-").append(random.nextInt(300));
        }
    }

    private static void string(final Random random, final StringBuilder out)
    {
        final String[] pieces = { "a", "price", " ", "é", "☃", "𝄞", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u00e9",
            "\\uD834\\uDD1E", "x y" };
        out.append('"');
        for (int i = 0, n = random.nextInt(4); i < n; i++)
        {
            out.append(pieces[random.nextInt(pieces.length)]);
        }
        out.append('"');
    }

    private static String whitespace(final Random random)
    {
        final String[] pieces = { "", "", "", " ", "\n", "\t", "\r\n " };
        return pieces[random.nextInt(pieces.length)];
    }

    private static byte[] mutate(final Random random, final byte[] original, final byte[] alphabet)
    {
        final int at = original.length == 0 ? 0 : random.nextInt(original.length + 1);
        final int op = random.nextInt(3);
        if (0 == op || original.length == 0) // insert
        {
            final byte[] mutant = new byte[original.length + 1];
            System.arraycopy(original, 0, mutant, 0, at);
            mutant[at] = alphabet[random.nextInt(alphabet.length)];
            System.arraycopy(original, at, mutant, at + 1, original.length - at);
            return mutant;
        }
        final int index = Math.min(at, original.length - 1);
        if (1 == op) // delete
        {
            final byte[] mutant = new byte[original.length - 1];
            System.arraycopy(original, 0, mutant, 0, index);
            System.arraycopy(original, index + 1, mutant, index, original.length - index - 1);
            return mutant;
        }
        final byte[] mutant = original.clone(); // replace
        mutant[index] = alphabet[random.nextInt(alphabet.length)];
        return mutant;
    }

    private static boolean jacksonAccepts(final String json)
    {
        return jacksonAccepts(bytes(json));
    }

    private static boolean jacksonAccepts(final byte[] bytes)
    {
        try (JsonParser parser = JACKSON.createParser(bytes, 0, bytes.length))
        {
            final JsonToken first = parser.nextToken();
            if (null == first)
            {
                return false;
            }
            parser.skipChildren();
            return null == parser.nextToken();
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static boolean jdkAccepts(final byte[] bytes)
    {
        try
        {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        }
        catch (final CharacterCodingException ex)
        {
            return false;
        }
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String hex(final byte[] bytes)
    {
        final StringBuilder out = new StringBuilder();
        for (final byte b : bytes)
        {
            out.append(String.format("%02X ", b & 0xFF));
        }
        return out.toString();
    }
}
