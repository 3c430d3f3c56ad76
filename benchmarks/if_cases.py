"""Generated responses for IFEval's 25 instructions, near each one's boundaries.

The kwargs span what IFEval's published rows hold, not only the `if` environment's ranges:
section splitters `Day`, `PARAGRAPH`, `Audience`; letters in either case and `#`/`!` (which
IFEval's reference replaces by a random letter, so `cases` leaves those out of the
differential); counts up to the published maxima (20 placeholders, 10 bullets, 15
highlights, 7 sections or paragraphs, 50 letters, 100 sentences, 1,200 words); all 30
response languages; keyword lists of one to four words in any case; end phrases of the
published kind.

`cases(per_id, seed)` yields `{"id", "instruction_id", "kwargs", "prompt", "response"}`:
for every id, responses that follow it, miss it by one (N-1, N, N+1 words, sentences,
bullets...), and the edge cases its definition turns on (fenced and bare JSON, trailing
whitespace or quotes after an end phrase, `***` dividers with and without spaces, empty
paragraphs, contractions in capitalised text). The prose is built from a small vocabulary
with the punctuation real responses use: abbreviations, decimals, quotes, lists.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from typing import Any

_VOCABULARY_TEXT = (
    "the a river lantern quiet morning city garden people often think that we should build "
    "better tools for everyone and it is clear this matters because time money work school "
    "home old new small bright road market friend village story water light summer winter "
    "teacher student music book kitchen window bread coffee train station"
)
VOCABULARY = _VOCABULARY_TEXT.split()
EXTRAS = [
    "Dr. Smith",
    "Mr. Brown",
    "the U.S. economy",
    "e.g. apples",
    "at 5 p.m.",
    "3.5 percent",
    "in 1990",
    "NASA's",
    "don't",
    "I'm",
    "well-known",
    "(see above)",
    '"quoted"',
    "St. Louis",
    "Jan. 5",
    "J. K. Rowling",
    "vs. them",
    "it's",
]
WORDS = ["river", "lantern", "harbour", "meadow", "compass", "anchor", "orchard", "candle"]
LANGUAGE_SAMPLES = {
    "en": "The weather was lovely today and we walked along the river for hours.",
    "es": "Hoy hizo muy buen tiempo y caminamos por la orilla del río durante horas.",
    "fr": "Il faisait très beau aujourd'hui et nous avons marché le long de la rivière.",
    "de": "Heute war das Wetter wunderbar und wir sind stundenlang am Fluss spazieren gegangen.",
    "it": "Oggi il tempo era bellissimo e abbiamo camminato lungo il fiume per ore.",
    "pt": "Hoje o tempo estava ótimo e caminhamos ao longo do rio durante horas.",
    "ru": "Сегодня была прекрасная погода, и мы несколько часов гуляли вдоль реки.",
    "uk": "Сьогодні була чудова погода, і ми кілька годин гуляли вздовж річки.",
    "pl": "Dzisiaj pogoda była piękna i spacerowaliśmy wzdłuż rzeki przez wiele godzin.",
    "fi": "Tänään sää oli ihana ja kävelimme joen rantaa pitkin monta tuntia.",
    "ja": "今日はとても良い天気で、私たちは何時間も川沿いを散歩しました。",
    "ko": "오늘은 날씨가 정말 좋아서 우리는 몇 시간 동안 강을 따라 걸었습니다.",
    "ar": "كان الطقس جميلا اليوم ومشينا على طول النهر لساعات.",
    "hi": "आज मौसम बहुत अच्छा था और हम घंटों नदी के किनारे टहलते रहे।",
    "vi": "Hôm nay thời tiết rất đẹp và chúng tôi đã đi dạo dọc bờ sông hàng giờ liền.",
    "sw": "Leo hali ya hewa ilikuwa nzuri sana na tulitembea kando ya mto kwa saa nyingi.",
    "bg": "Днес времето беше прекрасно и се разхождахме по брега на реката с часове.",
    "he": "היום מזג האוויר היה נפלא וטיילנו לאורך הנהר במשך שעות.",
    "fa": "امروز هوا بسیار خوب بود و ما ساعت‌ها در کنار رودخانه قدم زدیم.",
    "ur": "آج موسم بہت اچھا تھا اور ہم گھنٹوں دریا کے کنارے چلتے رہے۔",
    "th": "วันนี้อากาศดีมากและเราเดินเล่นริมแม่น้ำเป็นเวลาหลายชั่วโมง",
    "bn": "আজ আবহাওয়া খুব সুন্দর ছিল এবং আমরা ঘণ্টার পর ঘণ্টা নদীর ধারে হেঁটেছি।",
    "ta": "இன்று வானிலை மிகவும் நன்றாக இருந்தது, நாங்கள் பல மணி நேரம் ஆற்றங்கரையில் நடந்தோம்.",
    "te": "ఈరోజు వాతావరణం చాలా బాగుంది మరియు మేము గంటల తరబడి నది ఒడ్డున నడిచాము.",
    "kn": "ಇಂದು ಹವಾಮಾನ ತುಂಬಾ ಚೆನ್ನಾಗಿತ್ತು ಮತ್ತು ನಾವು ಗಂಟೆಗಟ್ಟಲೆ ನದಿಯ ದಡದಲ್ಲಿ ನಡೆದೆವು.",
    "ml": "ഇന്ന് കാലാവസ്ഥ വളരെ നല്ലതായിരുന്നു, ഞങ്ങൾ മണിക്കൂറുകളോളം നദിക്കരയിലൂടെ നടന്നു.",
    "gu": "આજે હવામાન ખૂબ સરસ હતું અને અમે કલાકો સુધી નદી કિનારે ચાલ્યા.",
    "pa": "ਅੱਜ ਮੌਸਮ ਬਹੁਤ ਵਧੀਆ ਸੀ ਅਤੇ ਅਸੀਂ ਘੰਟਿਆਂ ਤੱਕ ਨਦੀ ਦੇ ਕਿਨਾਰੇ ਤੁਰਦੇ ਰਹੇ।",
    "mr": "आज हवामान खूप छान होते आणि आम्ही तासनतास नदीकाठी फिरलो.",
    "ne": "आज मौसम धेरै राम्रो थियो र हामी घण्टौंसम्म नदीको किनारमा हिँड्यौं।",
}
SPLITTERS = ["Section", "SECTION", "Day", "PARAGRAPH", "Audience", "Chapter"]
END_PHRASES = [
    "Any other questions?",
    "Is there anything else I can help with?",
    "Peace!",
    "Let me know if you have additional questions.",
    "Call me at 631-481-4867",
    "So what is next?",
]

Case = dict[str, Any]


def sentence(rng: random.Random, *, extras: float = 0.08, commas: bool = True) -> str:
    words = [
        rng.choice(EXTRAS) if rng.random() < extras else rng.choice(VOCABULARY)
        for _ in range(rng.randint(3, 14))
    ]
    if commas and len(words) > 5 and rng.random() < 0.3:
        words[2] += ","
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choices([".", "!", "?", "..."], [80, 8, 10, 2])[0]


def prose(rng: random.Random, sentences: int, **options: Any) -> str:
    return " ".join(sentence(rng, **options) for _ in range(sentences))


def words_text(rng: random.Random, count: int) -> str:
    tokens = [
        rng.choice([*VOCABULARY, "well-known", "don't", "3.5", "x_y", "café"]) for _ in range(count)
    ]
    return " ".join(tokens)


def near(rng: random.Random, value: int, low: int = 1) -> int:
    return max(low, value + rng.choice([-1, 0, 0, 1]))


def relation(rng: random.Random) -> str:
    return rng.choice(["less than", "at least"])


# --- one generator per instruction ----------------------------------------------------------


def existence(rng: random.Random) -> tuple[dict[str, Any], str]:
    keywords = [
        rng.choice([w, w.capitalize(), w.upper()]) for w in rng.sample(WORDS, rng.randint(1, 4))
    ]
    text = prose(rng, rng.randint(1, 4))
    for word in keywords:
        if rng.random() < 0.7:
            form = rng.choice([word, word.upper(), word.capitalize(), word + "s", "over" + word])
            text += f" {form} "
    return {"keywords": keywords}, text.strip()


def frequency(rng: random.Random) -> tuple[dict[str, Any], str]:
    keyword = rng.choice(WORDS)
    times = rng.randint(0, 4)
    parts = [sentence(rng) for _ in range(3)]
    for _ in range(times):
        form = rng.choice([keyword, keyword.capitalize(), keyword + "side"])
        parts.insert(rng.randrange(len(parts) + 1), form)
    threshold = near(rng, times)
    return {"keyword": keyword, "frequency": threshold, "relation": relation(rng)}, " ".join(parts)


def forbidden(rng: random.Random) -> tuple[dict[str, Any], str]:
    banned = [rng.choice([w, w.capitalize()]) for w in rng.sample(WORDS, rng.randint(1, 4))]
    text = prose(rng, 2)
    if rng.random() < 0.6:
        form = rng.choice([banned[0], banned[-1].upper(), banned[0] + "s", f"{banned[-1]}-like"])
        text += f" A {form} appeared."
    return {"forbidden_words": banned}, text


def letters(rng: random.Random) -> tuple[dict[str, Any], str]:
    letter = rng.choice("aeiostnrlwAEIOTcgjmy")
    text = prose(rng, rng.choice([1, 1, 2, 6]))
    count = text.lower().count(letter.lower())
    kwargs = {"letter": letter, "let_frequency": near(rng, count), "let_relation": relation(rng)}
    return kwargs, text


def language(rng: random.Random) -> tuple[dict[str, Any], str]:
    code = rng.choice(list(LANGUAGE_SAMPLES))
    text = LANGUAGE_SAMPLES[code]
    roll = rng.random()
    if roll < 0.15:
        text += " " + LANGUAGE_SAMPLES["en"]
    elif roll < 0.2:
        text = "12345 !!! 678"
    wanted = code if rng.random() < 0.7 else rng.choice(list(LANGUAGE_SAMPLES))
    return {"language": wanted}, text


def sentences(rng: random.Random) -> tuple[dict[str, Any], str]:
    count = rng.choice([rng.randint(1, 12), rng.randint(13, 40)])
    style = rng.random()
    if style < 0.2:
        text = "\n".join(f"* {sentence(rng)}" for _ in range(count))
    elif style < 0.3:
        text = "\n".join(f"{i}. {sentence(rng)}" for i in range(1, count + 1))
    else:
        text = prose(rng, count, extras=0.15)
    return {"num_sentences": near(rng, count), "relation": relation(rng)}, text


def paragraphs(rng: random.Random) -> tuple[dict[str, Any], str]:
    count = rng.randint(1, 7)
    divider = rng.choice(
        ["\n\n***\n\n", "\n***\n", " *** ", "***", "\n\n****\n\n", "\n\n* * *\n\n"]
    )
    pieces = [prose(rng, rng.randint(1, 3)) for _ in range(count)]
    if count > 2 and rng.random() < 0.1:
        pieces[1] = " "
    text = divider.join(pieces)
    if rng.random() < 0.15:
        text = "***\n" + text
    if rng.random() < 0.15:
        text += "\n***"
    return {"num_paragraphs": near(rng, count)}, text


def word_count(rng: random.Random) -> tuple[dict[str, Any], str]:
    count = rng.choice([rng.randint(5, 300), rng.randint(300, 1300)])
    text = words_text(rng, count)
    return {"num_words": near(rng, count), "relation": relation(rng)}, text


def nth_paragraph(rng: random.Random) -> tuple[dict[str, Any], str]:
    count = rng.randint(1, 7)
    first = rng.choice(WORDS)
    pieces = [prose(rng, rng.randint(1, 2)) for _ in range(count)]
    nth = rng.randint(1, count)
    lead = rng.choice([first, first.capitalize(), f'"{first.capitalize()}', f"{first},", "Also"])
    pieces[nth - 1] = f"{lead} {pieces[nth - 1]}"
    separator = rng.choice(["\n\n", "\n\n", "\n\n\n", " \n\n", "\n"])
    text = separator.join(pieces)
    wanted = near(rng, count)
    return {
        "num_paragraphs": wanted,
        "nth_paragraph": min(nth, wanted),
        "first_word": first,
    }, text


def placeholders(rng: random.Random) -> tuple[dict[str, Any], str]:
    count = rng.choice([rng.randint(0, 5), rng.randint(6, 22)])
    parts = [sentence(rng) for _ in range(3)]
    for _ in range(count):
        parts.insert(
            rng.randrange(len(parts) + 1), rng.choice(["[name]", "[address]", "[ ]", "[a\nb]"])
        )
    return {"num_placeholders": near(rng, max(count, 1))}, " ".join(parts)


def postscript(rng: random.Random) -> tuple[dict[str, Any], str]:
    marker = rng.choice(["P.S.", "P.P.S"])
    ending = rng.choice(
        ["P.S. Call me.", "P.P.S. See you.", "p.s. later", "PS: soon", "P. S. ok", ""]
    )
    text = prose(rng, 2) + ("\n\n" + ending if ending else "")
    return {"postscript_marker": marker}, text


def bullets(rng: random.Random) -> tuple[dict[str, Any], str]:
    count = rng.randint(1, 11)
    marks = ["* ", "- ", "  * ", "*", "-", "** "]
    lines = [f"{rng.choice(marks)}{sentence(rng)}" for _ in range(count)]
    if rng.random() < 0.2:
        lines.insert(0, "---")
    if rng.random() < 0.2:
        lines.insert(0, "**Bold heading**")
    text = prose(rng, 1) + "\n" + "\n".join(lines)
    return {"num_bullets": near(rng, count)}, text


def constrained(rng: random.Random) -> tuple[dict[str, Any], str]:
    option = rng.choice(
        [
            "My answer is yes.",
            "My answer is no.",
            "My answer is maybe.",
            "my answer is yes.",
            "My answer is Yes.",
            "My answer is yes",
            "Yes.",
        ]
    )
    text = option if rng.random() < 0.5 else f"{prose(rng, 2)} {option}"
    return {}, text


def highlights(rng: random.Random) -> tuple[dict[str, Any], str]:
    count = rng.choice([rng.randint(0, 5), rng.randint(6, 16)])
    parts = [sentence(rng) for _ in range(3)]
    for _ in range(count):
        parts.insert(
            rng.randrange(len(parts) + 1),
            rng.choice(["*key point*", "**bold point**", "* *", "*two\nlines*", "***x***"]),
        )
    return {"num_highlights": near(rng, max(count, 1))}, " ".join(parts)


def sections(rng: random.Random) -> tuple[dict[str, Any], str]:
    splitter = rng.choice(SPLITTERS)
    count = rng.randint(1, 8)
    style = rng.choice(["{s} {i}", "{s}{i}", "{s} {i}:", "section {i}", "{s} one", "### {s} {i}"])
    text = "\n".join(
        f"{style.format(s=splitter, i=i)}\n{sentence(rng)}" for i in range(1, count + 1)
    )
    return {"section_spliter": splitter, "num_sections": near(rng, count)}, text


def json_format(rng: random.Random) -> tuple[dict[str, Any], str]:
    body = json.dumps({"title": sentence(rng), "items": [1, 2, 3]}, indent=rng.choice([None, 2]))
    wrapper = rng.choice(
        [
            "{b}",
            "```json\n{b}\n```",
            "```JSON\n{b}\n```",
            "```\n{b}\n```",
            "```Json\n{b}\n```  ",
            "Here is the JSON:\n{b}",
            "{b}\nHope this helps.",
            "```json\n{b}",
            "```python\n{b}\n```",
            "  {b}  \n",
        ]
    )
    if rng.random() < 0.1:
        body = body[:-1]
    return {}, wrapper.format(b=body)


def title(rng: random.Random) -> tuple[dict[str, Any], str]:
    head = rng.choice(
        ["<<A Quiet River>>", "<< >>", "<<>>", "<<two\nlines>>", "<<<Triple>>>", "Title"]
    )
    return {}, f"{head}\n{prose(rng, 2)}" if rng.random() < 0.8 else prose(rng, 2)


def two_responses(rng: random.Random) -> tuple[dict[str, Any], str]:
    first, second = prose(rng, 2), prose(rng, 2)
    pattern = rng.choice(
        [
            "{a}\n******\n{b}",
            "{a}******{b}",
            "{a}\n******\n{a}",
            "******\n{a}\n******\n{b}\n******",
            "{a}\n******\n\n******\n{b}",
            "{a}\n*******\n{b}",
            "{a}\n******\n{b}\n******\n{a}",
            "{a}",
        ]
    )
    return {}, pattern.format(a=first, b=second)


def repeat_prompt(rng: random.Random) -> tuple[dict[str, Any], str]:
    request = "Write a short story about a lighthouse keeper and a storm."
    start = rng.choice(
        [request, request.upper(), "  " + request, request[:-1], "Sure! " + request, ""]
    )
    return {"prompt_to_repeat": request}, f"{start}\n{prose(rng, 2)}".strip()


def end_phrase(rng: random.Random) -> tuple[dict[str, Any], str]:
    phrase = rng.choice(END_PHRASES)
    tail = rng.choice(
        [
            phrase,
            phrase + "  \n",
            f'"{phrase}"',
            phrase.lower(),
            phrase[:-1],
            phrase + " Thanks.",
            f"{phrase}.",
            f"**{phrase}**",
        ]
    )
    return {"end_phrase": phrase}, f"{prose(rng, 2)} {tail}"


def capital_words(rng: random.Random) -> tuple[dict[str, Any], str]:
    shout = ["NASA", "DON'T", "I", "WELL-KNOWN", "OK", "U.S.A.", "AT&T", "BIG", "NASA's", "I'M"]
    parts = [sentence(rng) for _ in range(3)]
    for _ in range(rng.choice([rng.randint(0, 8), rng.randint(9, 22)])):
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(shout))
    text = " ".join(parts)
    rough = sum(word.isupper() for word in text.split())
    kwargs = {"capital_frequency": near(rng, rough), "capital_relation": relation(rng)}
    return kwargs, text


def english_capital(rng: random.Random) -> tuple[dict[str, Any], str]:
    text = prose(rng, rng.randint(1, 3), extras=0)
    roll = rng.random()
    if roll < 0.6:
        text = text.upper()
    elif roll < 0.7:
        text = LANGUAGE_SAMPLES[rng.choice(["es", "de", "fr"])].upper()
    elif roll < 0.75:
        text = "123 456"
    return {}, text


def english_lowercase(rng: random.Random) -> tuple[dict[str, Any], str]:
    text = prose(rng, rng.randint(1, 3), extras=0)
    roll = rng.random()
    if roll < 0.6:
        text = text.lower()
    elif roll < 0.7:
        text = LANGUAGE_SAMPLES[rng.choice(["es", "de", "fr"])].lower()
    elif roll < 0.75:
        text = "123 456"
    return {}, text


def no_comma(rng: random.Random) -> tuple[dict[str, Any], str]:
    text = prose(rng, 3, commas=rng.random() < 0.5)
    if rng.random() < 0.1:
        text += " 一，二"
    return {}, text


def quotation(rng: random.Random) -> tuple[dict[str, Any], str]:
    wrap = rng.choice(['"{t}"', '  "{t}"\n', "{t}", '"{t}', "“{t}”", '"', '""', "'{t}'"])
    return {}, wrap.format(t=prose(rng, 2))


GENERATORS: dict[str, Callable[[random.Random], tuple[dict[str, Any], str]]] = {
    "keywords:existence": existence,
    "keywords:frequency": frequency,
    "keywords:forbidden_words": forbidden,
    "keywords:letter_frequency": letters,
    "language:response_language": language,
    "length_constraints:number_sentences": sentences,
    "length_constraints:number_paragraphs": paragraphs,
    "length_constraints:number_words": word_count,
    "length_constraints:nth_paragraph_first_word": nth_paragraph,
    "detectable_content:number_placeholders": placeholders,
    "detectable_content:postscript": postscript,
    "detectable_format:number_bullet_lists": bullets,
    "detectable_format:constrained_response": constrained,
    "detectable_format:number_highlighted_sections": highlights,
    "detectable_format:multiple_sections": sections,
    "detectable_format:json_format": json_format,
    "detectable_format:title": title,
    "combination:two_responses": two_responses,
    "combination:repeat_prompt": repeat_prompt,
    "startend:end_checker": end_phrase,
    "change_case:capital_word_frequency": capital_words,
    "change_case:english_capital": english_capital,
    "change_case:english_lowercase": english_lowercase,
    "punctuation:no_comma": no_comma,
    "startend:quotation": quotation,
}


def stress_sentences(rng: random.Random) -> tuple[dict[str, Any], str]:
    count = rng.randint(1, 12)
    text = prose(rng, count, extras=0.5)
    return {"num_sentences": near(rng, count), "relation": relation(rng)}, text


def stress_capitals(rng: random.Random) -> tuple[dict[str, Any], str]:
    text = prose(rng, rng.randint(1, 6), extras=0.5)
    if rng.random() < 0.5:
        text = " ".join(w.upper() if rng.random() < 0.4 else w for w in text.split())
    rough = sum(word.isupper() for word in text.split())
    kwargs = {"capital_frequency": near(rng, rough), "capital_relation": relation(rng)}
    return kwargs, text


STRESS: dict[str, Callable[[random.Random], tuple[dict[str, Any], str]]] = {
    "length_constraints:number_sentences": stress_sentences,
    "change_case:capital_word_frequency": stress_capitals,
}
"""The two ids that IFEval judges with NLTK, on prose where every other word is an
abbreviation, initial, decimal, contraction or quote: where a regex splitter and Punkt's
learned statistics part ways."""


def cases(
    per_id: int,
    seed: int = 0,
    generators: dict[str, Callable[[random.Random], tuple[dict[str, Any], str]]] = GENERATORS,
) -> Iterator[Case]:
    for instruction_id, generate in generators.items():
        rng = random.Random(f"if-cases/{seed}/{generate.__name__}")
        for index in range(per_id):
            kwargs, response = generate(rng)
            if rng.random() < 0.1:
                response += rng.choice(["  ", "\n", "\n\n"])
            yield {
                "id": f"{instruction_id}/{index}",
                "instruction_id": instruction_id,
                "kwargs": kwargs,
                "prompt": kwargs.get("prompt_to_repeat", "Write something."),
                "response": response,
            }


# --- a policy's attacks on the `if` environment's prompts (issue 24) --------------------------

_NUMBER_WORDS = "one two three four five six seven eight nine ten".split()  # noqa: SIM905
_CYCLE = " ".join(_NUMBER_WORDS[i % 10] for i in range(420))
_COUNT = " ".join(str(i) for i in range(1, 421))
_OPTIONS = "My answer is yes. My answer is no. My answer is maybe."


def _markers(problem: dict[str, Any]) -> str:
    """Every cheap marker a format rule looks for, and every string the row's kwargs name."""
    parts = ["<<Title>>", "# Heading", "## Heading", "* point", "* point", "[a] [b] [c] [d]"]
    parts += ["*one* *two* *three* *four*", "Section 1", "Section 2", "SECTION 1", "SECTION 2"]
    parts += ["| a | b |", "|---|---|", "| 1 | 2 |", "| 3 | 4 |", "P.S. P.P.S"]
    for kwargs in problem["kwargs"]:
        for value in kwargs.values():
            if isinstance(value, str):
                parts.append(value)
            elif isinstance(value, list):
                parts.extend(str(v) for v in value)
    return "\n".join(parts)


def _shuffled(words: list[str], seed: str) -> str:
    return " ".join(random.Random(seed).sample(words, len(words)))


ATTACKS: dict[str, Callable[[dict[str, Any]], str]] = {
    "echo the prompt": lambda p: p["prompt"],
    "echo it, words shuffled": lambda p: _shuffled(p["prompt"].split(), p["id"]),
    "markers + echo": lambda p: f"{_markers(p)}\n{p['prompt']}",
    "echo, a number word after each word": lambda p: " ".join(
        f"{word} {_NUMBER_WORDS[i % 10]}" for i, word in enumerate(p["prompt"].split())
    ),
    "`one two ... ten` cycled to 420 words": lambda p: _CYCLE,
    "`1 2 3 ... 420`": lambda p: _COUNT,
    "markers + cycled filler": lambda p: f"{_markers(p)}\n{_CYCLE}",
    "quoted markers + filler": lambda p: f'"{_markers(p)} {_CYCLE}"',
    "lowercase markers + filler": lambda p: f"{_markers(p)}\n{_CYCLE}".lower(),
    "`ok`": lambda p: "ok",
    "all three options": lambda p: _OPTIONS,
    "`s 1 2 ... 399`": lambda p: "s " + " ".join(str(i) for i in range(1, 400)),
}
"""Responses a reward-maximising policy finds without doing any task: issue 24's classes."""
