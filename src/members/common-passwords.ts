/**
 * Passwords and base words that attackers try first. Written for Broadsheet from the patterns that
 * top every published leak analysis: counting, keyboard runs, "password" and its spellings, names,
 * pets, sports, seasons, swear words and phrases. passwords.ts checks a password as typed, with
 * digits and symbols around it removed, and with common letter-for-digit swaps undone, so
 * "Password2024!" and "p@ssw0rd123" are refused through the word "password".
 * Entries are lower-case letters and digits only.
 */
const WORDS = `
password passw0rd passwort passwd pass pass1234 password1 password12 password123 password1234 passwordpassword
mypassword newpassword yourpassword thepassword secret secret123 topsecret letmein letmein123 welcome welcome1
welcome123 welcomehome changeme changeme123 default admin administrator admin123 admin1234 root toor
login login123 guest user user123 test test123 testing tester demo sample qwerty qwerty123 qwertyuiop
qwertyuiop123 qwertz azerty asdfgh asdfghjkl asdfasdf zxcvbn zxcvbnm qazwsx qazwsxedc qweasd qweasdzxc
1qaz2wsx 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y zaq12wsx q1w2e3r4 q1w2e3r4t5 abc123 abcd1234 abcdef abcdefg
a1b2c3 a1b2c3d4 123abc 123qwe 123qweasd 1234qwer 123456 1234567 12345678 123456789 1234567890
12345678910 0123456789 0987654321 987654321 9876543210 111111 1111111111 000000 0000000000 121212 123123
123123123 123321 654321 666666 696969 7777777 888888 999999 112233 11223344 102030 147258369 159753
159357 147852 741852963 5201314 iloveyou iloveyou1 iloveyou2 iloveyou123 iloveu loveyou loveme lovely
love123 mylove lovelove trustno1 trustnoone sunshine sunshine1 shadow shadow1 monkey monkey1 dragon
dragon1 master master1 mustang michael jennifer jordan jordan23 hunter hunter2 ranger buster soccer
football baseball basketball hockey tennis golfer superman batman spiderman ironman starwars pokemon
princess princess1 charlie charlie1 daniel thomas andrew joshua jessica ashley amanda nicole michelle
matthew anthony william robert richard george harley hannah samantha taylor maggie ginger pepper
cookie chocolate chicken banana orange purple yellow silver golden diamond freedom whatever nothing
computer internet google facebook twitter linkedin youtube instagram microsoft apple samsung
killer fuckyou fuckoff asshole bitch biteme qwerty12 qwerty1234 access access14 flower flowers
summer summer1 winter autumn spring monday friday january february august october november december
london paris berlin newyork chicago liverpool chelsea arsenal barcelona realmadrid manchester
manchesterunited america canada australia england scotland ireland mexico brazil
blink182 metallica nirvana beatles eminem cheese cheese123 butter cookie123 pizza pizza123 coffee
hello hello123 helloworld hellothere whatsup goodbye blessed jesus jesus1 jesuschrist christ god
godisgood angel angel1 angels heaven hallo bonjour ciao hola
tigger tigger1 garfield snoopy scooby scoobydoo mickey mickeymouse minnie winnie pooh
buddy lucky lucky7 bailey molly bella daisy charlie2 max rocky sophie lily
baseball1 football1 soccer1 hockey1 golf golf123 fishing hunting racing
letmein1 letmeinnow openup opensesame open sesame
zaq1zaq1 zaq1xsw2 qwe123 qwe123qwe asd123 zxc123 zxcv1234 asdf1234 qwer1234
aaaaaa aaaaaaaaaa abcabc abcabc123 abc12345 abcde12345 aa123456 a123456 a12345678 a123456789
password01 password2 password2020 password2021 password2022 password2023 password2024 password2025
p4ssword passw0rd1 pa55word pa55w0rd
starwars1 jedi yoda darthvader matrix neo morpheus gandalf frodo hobbit potter harrypotter hogwarts
ninja samurai pirate zombie vampire warrior wizard dragonball naruto
ferrari porsche mercedes corvette camaro yamaha honda
iloveyou12 iloveyou1234 iloveme imissyou ihateyou
qwertyui qwerty12345 1qazxsw2 1qaz2wsx3edc
monkey123 dragon123 master123 shadow123 sunshine123 princess123 football123 baseball123 superman123
batman123 charlie123 michael123 jordan123 hunter123 killer123 secret1234
correcthorsebatterystaple correcthorse batterystaple
broadsheet broadsheet1 broadsheet123 news newspaper journalist journalism reporter editor cables
cablegate wikileaks diplomat embassy
`;

const COMMON: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter(Boolean));

/** Number of entries, for tests and the docs. */
export const COMMON_PASSWORD_COUNT = COMMON.size;

/** True when the (lower-cased, space-free) text is one of the common passwords or base words. */
export function isCommonPassword(s: string): boolean {
  return COMMON.has(s.toLowerCase());
}
