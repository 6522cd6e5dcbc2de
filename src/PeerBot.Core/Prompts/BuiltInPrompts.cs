namespace PeerBot.Core.Prompts;

/// <summary>
/// The prompts PeerBot ships with, written for residents. The order mixes themes so a group's weeks vary;
/// ids are stable because groups' histories refer to them.
/// </summary>
public static class BuiltInPrompts
{
    private const PromptTheme N = PromptTheme.Normalization;
    private const PromptTheme T = PromptTheme.Trajectory;
    private const PromptTheme B = PromptTheme.Belonging;
    private const PromptTheme R = PromptTheme.Reset;
    private const PromptTheme S = PromptTheme.Solutions;
    private const PromptTheme G = PromptTheme.Gratitude;
    private const PromptTheme C = PromptTheme.CheckIn;

    /// <summary>Every built-in prompt.</summary>
    public static IReadOnlyList<Prompt> All { get; } =
    [
        P("arriving-weather", "If this past week were a weather report, what would it be? Sunny, foggy, a storm rolling in? Say as much or as little as you like.", C, R),
        P("first-year-memory", "Seniors and alumni: what is one thing from your intern year you still remember vividly, and what would you tell that version of yourself now?", T, N),
        P("hardest-part-now", "What is the hardest part of this rotation for you right now? Chances are someone else here knows it well.", N, B),
        P("small-win", "Name one small win from this week, even if it feels too small to count. It counts.", G, R),
        P("one-thing-in-control", "Pick one thing that has been weighing on you. Which part of it, however small, is within your control this week?", S),
        P("felt-understood", "When was the last time you felt really understood by someone at work? What did they do or say?", B, G),
        P("imposter-moment", "Have you had a moment lately where you felt like you did not belong in this job? Seniors and alumni: did that feeling ever change for you, and when?", N, T),
        P("leave-it-here", "Is there something from this week you would like to leave here so you do not carry it into the next one?", R),
        P("what-helps-after-bad-shift", "After a really bad shift, what actually helps you come back to yourself? Food, sleep, a person, a walk, a show?", S, R),
        P("thank-someone", "Who made your work a little easier recently: a nurse, a tech, a co-resident, a patient? What did they do?", G, B),
        P("pgy-difference", "Seniors: what feels different about your work now compared with your first year? Juniors: what are you curious about in the years ahead?", T),
        P("energy-check", "On a scale from running on empty to fully charged, where is your energy today, and what is draining or filling it?", C),
        P("mistake-normal", "Everyone in medicine makes mistakes, and most of us carry them quietly. Alumni and seniors: how did you learn to carry yours?", N, T),
        P("outside-medicine", "What is something outside medicine that still feels like yours? When did you last get to do it?", R, B),
        P("systems-frustration", "What is one thing about how our program or hospital works that frustrates you? What is one change, even a small one, that would make it better, and who could we tell?", S),
        P("proud-patient", "Tell us about a patient encounter you are proud of, even a quiet one.", G),
        P("lonely-night", "Nights and long stretches can feel isolating. What has helped you feel less alone on them?", N, B, S),
        P("arrive-three-words", "Three words for how you are arriving today. No explanation needed unless you want to give one.", C),
        P("advice-that-helped", "Alumni and seniors: what is a piece of advice you got during training that actually helped? And one you wish you had ignored?", T),
        P("boundary", "Is there a boundary, at work or at home, you want to protect this month? What would help you keep it?", S, R),
        P("funny-moment", "What is something that made you laugh at work lately? We could all use it.", G, B),
        P("when-it-clicked", "Seniors and alumni: when did the job start to click for you, even a little? What changed?", T, N),
        P("sleep-and-food", "How are sleep and food going this rotation? What is one thing that would make either a bit better next week?", C, S),
        P("carrying-a-case", "Is there a case you keep thinking about? You do not have to share details: how is it sitting with you?", N, R),
        P("belong-here", "What is something about this group, or this program, that makes you feel like you belong?", B),
        P("reset-ritual", "Do you have a ritual that marks the end of a shift, like a song in the car, a shower, a text to a friend? If not, what could one be?", R, S),
        P("junior-question", "Juniors: what is one question you have wanted to ask a senior or an alum but have not? This is the place.", T, B),
        P("grateful-body", "What is your body telling you this week? What does it need that you could give it?", C, R),
        P("unfair-week", "Some weeks feel unfair: too many admissions, too little help. What got you through the last one like that?", N, S),
        P("mentor", "Who has been a mentor to you, officially or not? What did they model that you want to keep?", G, T),
        P("next-week-one-thing", "Looking at next week: what is one thing you can set up now that your future self will thank you for?", S),
        P("hardest-year", "Alumni: which year of training was hardest for you, and what do you know now that would have helped then?", T, N),
        P("what-you-needed", "Think of a hard moment this month. What did you need in that moment, and did you get it?", N, S),
        P("joy-in-medicine", "What still brings you joy in medicine, even on the bad days?", G),
        P("how-are-you-really", "The hallway answer is \"fine\". How are you, really?", C, B),
        P("comparison", "Do you ever compare yourself with co-residents and come up short? What would you say to a friend who told you the same?", N, R),
        P("family-and-friends", "How are things with the people outside work, like family, friends or partners? Is residency making those harder, and is there anything helping?", B, N),
        P("feedback-sting", "Has any feedback stung lately? Seniors and alumni: how did you learn to take the useful part and let go of the rest?", T, S),
        P("good-teacher", "Who taught you something this week, and what was it?", G),
        P("control-circle", "Draw two circles in your head: what is in your control and what is not. Put this week's worries in them. What lands in the first one, and what is one step on it?", S),
        P("sunday-scaries", "How do you feel the night before a new rotation or a new block? What helps you start it well?", N, R, S),
        P("looking-back-a-year", "Where were you a year ago, and what have you learned since that you would not have believed then?", T, G),
        P("kindness-received", "Tell us about a kindness you received from a stranger or a patient recently.", G, B),
        P("overwhelm-signs", "What are your early signs that you are getting overwhelmed? What do people around you notice first?", N, S),
        P("rest-permission", "What would real rest look like for you on your next day off? What gets in the way of it?", R, S),
        P("unspoken-rule", "What is an unspoken rule of residency you wish someone had told you about on day one?", T, B),
        P("checkin-battery", "Phone-battery check: what percent are you at right now, and what would charge you five percent?", C),
        P("proud-growth", "What is a skill you have now that you did not have six months ago? Take a moment to notice it.", G, T),
        P("difficult-conversation", "Have you had a hard conversation lately, with a patient, a family or a colleague? What helped, and what would you try next time?", S, N),
        P("what-this-group-means", "What do you want this group to be for you over the next few months?", B),
        P("senior-low-point", "Seniors and alumni: would you share a low point from your training and what helped you get through it?", T, N),
        P("asking-for-help", "When did you last ask for help at work? What makes it easier or harder to ask?", N, S),
        P("a-good-day", "Describe a good day at work, from start to finish. What made it good, and which parts could happen more often?", G, S),
        P("reset-one-breath", "Take one slow breath before answering: what is one thing you are ready to let go of from this week?", R),
        P("moral-distress", "Have you been asked to do something that did not sit right with you, or seen care you disagreed with? How are you holding that?", N),
        P("who-you-are-becoming", "What kind of doctor are you becoming? What part of that do you want to protect?", T, B),
        P("weekend-plans", "What is one thing you are looking forward to, however small, in the next seven days?", G, R),
        P("what-we-can-ask-for", "If this group could ask the program for one thing that would make residency more sustainable, what would it be? Let's make it specific.", S, B),
        P("tired-versus-burned-out", "How do you tell the difference between tired and burned out in yourself? Which one is closer this week?", N, C),
        P("alumni-what-changed", "Alumni: what is different about your life now compared with residency, and what stayed the same?", T),
        P("share-a-song", "What song, show or book has kept you company lately?", B, R),
        P("supporting-each-other", "Is there something someone here could do for you this week, like swap a shift, grab a coffee or send a check-in text? Or something you could offer?", S, B),
        P("first-code", "Seniors and alumni: what was your first code or first death like, and how did you process it? Juniors: share only if you want to.", T, N),
        P("gratitude-self", "What is something you did this week that you would thank a colleague for, if they had done it?", G, R),
        P("checkin-sentence", "Finish the sentence: \"This week I am arriving…\"", C),
        P("small-experiment", "Pick one small experiment for the next week, like a ten-minute walk after shifts or eating lunch sitting down. What will you try, and shall we check back in?", S, R),
        P("common-ground", "What is something you assumed you were the only one struggling with, and later found out others were too?", N, B),
        P("closing-reflection", "Looking back over our last few weeks together, what has been most useful about meeting here?", B, G),
    ];

    private static Prompt P(string id, string text, params PromptTheme[] themes) => new(id, text, themes);
}
