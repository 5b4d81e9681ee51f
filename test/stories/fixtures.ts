/**
 * Small own fixtures for the story tests: one wire story (a dam failure) and the documents that must join it
 * or stay apart from it. Paragraph arrays; `doc()` builds a StoryDoc.
 */
import type { StoryDoc } from '../../shared/stories/index.ts';

export const DAM: string[] = [
  'An earthen dam failed after days of heavy rain in northern Portugal on Tuesday, sending a wall of water through two villages and forcing about 1,200 people from their homes, officials said.',
  'The dam on the Rio Tamega near the town of Amarante gave way shortly before dawn, the national civil protection agency said. Footage on local television showed water pouring through a breach about 30 meters (100 feet) wide.',
  '"We heard a noise like thunder that did not stop," said Maria Fernandes, 64, who fled her house in the village of Gatão with her husband and grandson. "By the time we reached the road the water was at our knees."',
  'At least 14 people were treated in hospital for injuries and hypothermia, and three people were missing, regional health officials said. Rescue teams using boats and helicopters searched flooded fields through the morning.',
  'Prime Minister Luís Montenegro said the government would declare a state of calamity for the area and release emergency funds. He promised an inquiry into the condition of the dam, which was built in the 1950s.',
  'Engineers had inspected the structure last spring and recommended repairs to its spillway, according to documents seen by local newspaper Jornal do Tâmega. It was not clear whether the work had been carried out.',
  'The failure came after the wettest week in northern Portugal in more than two decades. Some areas received more than 200 millimeters (8 inches) of rain since Friday, the weather service said.',
  'Portugal has about 260 large dams, most of them used for irrigation and hydroelectric power. Dam failures are rare in Europe, but experts have warned that many older structures were not designed for the more intense rainfall that a warming climate brings.',
  'The European Union has a civil protection mechanism through which member states can request help in disasters. Spain said it was ready to send rescue teams if asked.',
  'Rail services between Porto and the interior were suspended because of flooding on the tracks, and several roads remained closed on Tuesday evening.',
];

/** Another agency's own report of the same dam failure (same facts and one shared quote, own wording). */
export const DAM_OTHER_AGENCY: string[] = [
  'Floodwaters from a collapsed dam swept through villages in northern Portugal early on Tuesday, injuring at least 14 people and leaving three missing, authorities said, as rescuers in boats combed submerged farmland.',
  'The structure near Amarante, east of Porto, burst before sunrise after nearly a week of torrential rain, according to the civil protection service, which said some 1,200 residents had been evacuated.',
  '"We heard a noise like thunder that did not stop," one resident, Maria Fernandes, told public broadcaster RTP.',
  'Prime Minister Luís Montenegro travelled to the area in the afternoon and said an investigation would establish why the decades-old dam had failed.',
  'Neighbouring Spain offered to send search teams. The Portuguese weather service forecast more rain for the north of the country on Wednesday and Thursday.',
];

/** A follow-up two days later that pastes the dam story's background paragraphs word for word. */
export const DAM_FOLLOW_UP: string[] = [
  'Portugal ordered emergency inspections of 40 older dams on Thursday, two days after a dam near Amarante collapsed and flooded two villages, as the bodies of two of the three missing people were recovered.',
  'Environment Minister Maria da Graça Carvalho said teams of engineers would examine every large dam built before 1970 within a month and that reservoirs behind any structure found to be at risk would be lowered.',
  'The search for the third missing person, a 72-year-old man, continued downstream on Thursday.',
  'Opposition parties demanded to know why repairs recommended after an inspection last year had not been made. The company that operates the dam said it would cooperate with investigators.',
  DAM[7]!,
  DAM[8]!,
];

/** An opinion column quoting two paragraphs of the wire story. */
export const DAM_OPINION: string[] = [
  'Every engineer who has worked on old dams knows the feeling: the inspection report is filed, the repairs are estimated, and then the budget meeting comes and goes.',
  'This week, in northern Portugal, the bill for that delay arrived. As the wire report put it:',
  DAM[0]!,
  DAM[5]!,
  'It would be comforting to treat this as a Portuguese problem. It is not. Across Europe and North America, thousands of dams built in the middle of the last century are reaching the end of their design lives just as storms are delivering more rain in shorter bursts.',
  'Governments like to cut ribbons on new infrastructure. Maintaining the old is less photogenic and far more urgent. The least we should expect is that inspection reports are published and that recommended repairs are tracked in public until they are done.',
  'Amarante will rebuild. The question is how many more villages will have to learn the same lesson.',
];

/** A short brief re-telling the story in new words. */
export const DAM_BRIEF: string[] = [
  'A dam near Amarante in northern Portugal collapsed before dawn on Tuesday after a week of record rain, flooding two villages. About 1,200 people were evacuated, 14 were hurt and three are missing. The government plans to declare a state of calamity and has ordered an inquiry into the 1950s structure.',
];

/** A different story of the same desk that ends with the same standard paragraph as DAM. */
export const RAIL_STORY: string[] = [
  'Portugal’s rail operator said on Monday it would buy 117 new regional trains over the next six years, the largest order in its history, as the government tries to get more people out of cars.',
  'The trains, worth about 820 million euros, will replace diesel units on lines in the north and the Alentejo region, CP - Comboios de Portugal said. The first are due to enter service in 2028.',
  'Transport Minister Miguel Pinto Luz said the purchase would cut journey times and emissions. "For decades we let the railway decline. That is over," he said.',
  'Unions welcomed the order but said the operator also needed to hire more drivers and maintenance staff.',
  DAM[9]!,
];

/** An unrelated story. */
export const UNRELATED: string[] = [
  'A rare white humpback whale has been spotted off the coast of New South Wales for the third winter in a row, delighting whale watchers and prompting calls for boats to keep their distance.',
  'The whale, nicknamed Migaloo Junior by locals, was seen swimming north past Byron Bay on Saturday with a group of four other humpbacks, according to the Australian whale research group Pod Watch.',
  'Authorities said vessels must stay at least 500 meters (1,640 feet) from the animal, and drones at least 300 meters, under rules designed to protect it from harassment.',
  'Humpback numbers along Australia’s east coast have recovered strongly since commercial whaling ended in the 1960s, with more than 40,000 now thought to migrate each year.',
];

/** AP furniture around body paragraphs: byline, dateline on the first paragraph, copyright line. */
export function apWire(ps: string[], byline = 'ANA BRITO', place = 'AMARANTE, Portugal'): string[] {
  return [
    `By ${byline}`,
    'Associated Press',
    `${place} (AP) — ${ps[0]}`,
    ...ps.slice(1),
    'Copyright 2026 The Associated Press.',
  ];
}

/** The dam story's first version as a short wire story: its first five paragraphs. */
export const DAM_V1: string[] = DAM.slice(0, 5);

/**
 * The wire's writethru of {@link DAM_V1} (republished under a new URL): a new lead, two new paragraphs below it,
 * the body kept with a figure updated, one paragraph dropped from the bottom. On a text this short the new top
 * outweighs the kept body, so only the body below the leads shows what was kept.
 */
export const DAM_WRITETHRU: string[] = [
  'Rescuers recovered two bodies on Tuesday evening after an earthen dam collapsed in northern Portugal, sending a wall of water through two villages, and searched flooded farmland for a third person still missing.',
  'The bodies of a man and a woman were found in an olive grove about two kilometers downstream of the breach, a police spokesman said. Their names were not released, and relatives were being taken to identify them at a hospital in Penafiel.',
  'Water levels behind what remained of the dam fell by half during the afternoon, officials said, easing fears of a second surge, and engineers began lowering a reservoir upstream to take pressure off the river through the night.',
  DAM[1]!,
  DAM[2]!,
  DAM[3]!.replace('At least 14 people were treated', 'At least 19 people were treated'),
];

/** Reuters furniture: `LISBON, Nov 3 (Reuters) -` dateline and the credit line. */
export function reutersWire(ps: string[], reporters = 'Sergio Goncalves', day = 3): string[] {
  return [
    `LISBON, Nov ${day} (Reuters) - ${ps[0]}`,
    ...ps.slice(1),
    `Reporting by ${reporters}; Editing by Alison Williams`,
  ];
}

/** A short wire report of the dam failure in the agency's own words: a long lead over short paragraphs. */
export const DAM_SHORT: string[] = [
  'A dam near the northern Portuguese town of Amarante burst before dawn on Tuesday after a week of torrential rain, flooding two villages and forcing about 1,200 people to leave their homes, the civil protection agency said.',
  'Fourteen people were taken to hospital and three were missing, the agency said.',
  'Television images showed water pouring through a wide breach in the earthen wall of the dam.',
  'The government said it would declare a state of calamity in the area.',
  'Portuguese bond yields were little changed in early trading.',
];

/**
 * Its update under a new URL ("UPDATE 1"): a new lead, a paragraph added below it, a figure updated, the market
 * line dropped; the same dateline place and reporter. The new lead and paragraph outweigh the kept body (no rule
 * on the whole texts holds); the bodies below the leads show what was kept.
 */
export const DAM_SHORT_UPDATE: string[] = [
  'Rescuers in northern Portugal found the bodies of two people on Tuesday evening in flooded farmland downstream of a dam that burst before dawn near Amarante, and were still searching for a third person, police said.',
  'Prime Minister Luis Montenegro, who visited the area, promised an inquiry into the state of the dam, which was built in the 1950s.',
  'Nineteen people were taken to hospital and three were missing, the agency said.',
  'Television images showed water pouring through a wide breach in the earthen wall of the dam.',
  'The government said it would declare a state of calamity in the area.',
];

/** An urgent: the first, short version of the dam story before the full one (its own lead, two paragraphs). */
export const DAM_URGENT: string[] = [
  'A dam burst in northern Portugal before dawn on Tuesday, flooding two villages near the town of Amarante and forcing hundreds of residents to flee to higher ground, the country’s civil protection agency said.',
  DAM[1]!,
  DAM[2]!,
];

/**
 * A same-desk follow-up two days later (same agency, dateline and byline as the dam story): a new lead and new
 * reporting above the story's background paragraphs pasted word for word.
 */
export const DAM_DESK_FOLLOW_UP: string[] = [
  'Portuguese prosecutors opened an investigation on Thursday into the collapse of a dam near Amarante that flooded two villages, and the operator of the dam said it had asked an outside firm to review its inspection records.',
  'The public prosecutor’s office in Porto said it was examining possible negligence. It gave no further details.',
  'Families in the village of Gatão were allowed back into their homes on Thursday to collect belongings, escorted by firefighters.',
  DAM[6]!,
  DAM[7]!,
  DAM[8]!,
];

/** Joins paragraphs with blank lines. */
export const text = (ps: string[]): string => ps.join('\n\n');

/** A StoryDoc from paragraphs. */
export function doc(id: string, ps: string[] | string, extra: Partial<StoryDoc> = {}): StoryDoc {
  return {
    id,
    url: `https://news.example/${id}`,
    outlet: 'Example Outlet',
    title: 'Dam fails in northern Portugal',
    text: Array.isArray(ps) ? text(ps) : ps,
    publishedAt: '2026-11-03T07:00:00Z',
    ...extra,
  };
}
