"""The standard CCPM questionnaire's structure, seeded for every operation and editable there:
the six core cluster functions (numbered as in the IASC reference module) and accountability to
affected people, their sub-functions, and questions for partners and for the coordination team.
Wording in English, French and Spanish, written for Tutela after the structure of the standard
partner and coordinator questionnaires.

Each question: (audience, scale, English, French, Spanish); audience "partner" or
"coordinator"; scale "yes_no" or "frequency".
"""

from __future__ import annotations

P, C = "partner", "coordinator"
YN, FQ = "yes_no", "frequency"

Question = tuple[str, str, str, str, str]
SubFunction = tuple[str, str, str, str, list[Question]]
Function = tuple[str, str, str, str, list[SubFunction]]

STRUCTURE: list[Function] = [
    (
        "1",
        "Supporting service delivery",
        "Appui à la prestation de services",
        "Apoyo a la prestación de servicios",
        [
            (
                "1.1",
                "A platform that keeps service delivery driven by the response plan and agreed "
                "priorities",
                "Une plateforme qui oriente la prestation de services selon le plan de réponse "
                "et les priorités convenues",
                "Una plataforma que orienta la prestación de servicios según el plan de respuesta "
                "y las prioridades acordadas",
                [
                    (
                        P,
                        YN,
                        "Is there a cluster strategy that your organisation knows and that guides "
                        "its response?",
                        "Existe-t-il une stratégie du cluster que votre organisation connaît et "
                        "qui guide sa réponse ?",
                        "¿Existe una estrategia del clúster que su organización conoce y que "
                        "orienta su respuesta?",
                    ),
                    (
                        P,
                        FQ,
                        "Have coordination meetings helped your organisation decide where and "
                        "what to implement?",
                        "Les réunions de coordination ont-elles aidé votre organisation à "
                        "décider où et quoi mettre en œuvre ?",
                        "¿Las reuniones de coordinación han ayudado a su organización a decidir "
                        "dónde y qué implementar?",
                    ),
                    (
                        C,
                        YN,
                        "Are coordination meetings held at least monthly, with minutes and "
                        "action points circulated?",
                        "Les réunions de coordination se tiennent-elles au moins chaque mois, "
                        "avec compte rendu et points d'action diffusés ?",
                        "¿Se celebran reuniones de coordinación al menos cada mes, con actas y "
                        "puntos de acción difundidos?",
                    ),
                ],
            ),
            (
                "1.2",
                "Mechanisms to eliminate duplication of service delivery",
                "Des mécanismes pour éliminer les doublons dans la prestation de services",
                "Mecanismos para eliminar la duplicación en la prestación de servicios",
                [
                    (
                        P,
                        YN,
                        "Does the cluster share a regular mapping of who does what where (5W)?",
                        "Le cluster partage-t-il régulièrement une cartographie de qui fait quoi "
                        "où (5W) ?",
                        "¿El clúster comparte regularmente un mapeo de quién hace qué y dónde "
                        "(5W)?",
                    ),
                    (
                        P,
                        FQ,
                        "Has your organisation reported its activities for the 5W?",
                        "Votre organisation a-t-elle rapporté ses activités pour le 5W ?",
                        "¿Su organización ha reportado sus actividades para el 5W?",
                    ),
                    (
                        P,
                        FQ,
                        "Has the 5W mapping helped your organisation avoid duplicating what "
                        "others do?",
                        "La cartographie 5W a-t-elle aidé votre organisation à éviter les "
                        "doublons avec d'autres ?",
                        "¿El mapeo 5W ha ayudado a su organización a evitar duplicar lo que "
                        "hacen otros?",
                    ),
                    (
                        C,
                        YN,
                        "Is the 5W updated and shared at least monthly?",
                        "Le 5W est-il mis à jour et partagé au moins chaque mois ?",
                        "¿El 5W se actualiza y comparte al menos cada mes?",
                    ),
                ],
            ),
        ],
    ),
    (
        "2",
        "Informing the HC/HCT's strategic decision-making",
        "Informer la prise de décision stratégique du CH/EHP",
        "Informar la toma de decisiones estratégicas del CH/EHP",
        [
            (
                "2.1",
                "Needs assessment and gap analysis",
                "Évaluation des besoins et analyse des lacunes",
                "Evaluación de necesidades y análisis de brechas",
                [
                    (
                        P,
                        YN,
                        "Has the cluster agreed with partners on tools and formats for needs "
                        "assessment?",
                        "Le cluster a-t-il convenu avec les partenaires d'outils et de formats "
                        "d'évaluation des besoins ?",
                        "¿El clúster ha acordado con los socios herramientas y formatos para la "
                        "evaluación de necesidades?",
                    ),
                    (
                        P,
                        FQ,
                        "Has your organisation taken part in joint needs assessments or shared "
                        "its own results?",
                        "Votre organisation a-t-elle participé à des évaluations conjointes ou "
                        "partagé ses propres résultats ?",
                        "¿Su organización ha participado en evaluaciones conjuntas o compartido "
                        "sus propios resultados?",
                    ),
                    (
                        C,
                        YN,
                        "Is there a current protection analysis (e.g. a Protection Analysis "
                        "Update) shared with the HCT?",
                        "Existe-t-il une analyse de protection à jour (p. ex. une mise à jour de "
                        "l'analyse de protection) partagée avec l'EHP ?",
                        "¿Existe un análisis de protección actualizado (p. ej. una actualización "
                        "del análisis de protección) compartido con el EHP?",
                    ),
                ],
            ),
            (
                "2.2",
                "Analysis of gaps, obstacles, duplication and cross-cutting issues",
                "Analyse des lacunes, obstacles, doublons et questions transversales",
                "Análisis de brechas, obstáculos, duplicaciones y temas transversales",
                [
                    (
                        P,
                        FQ,
                        "Has the cluster's analysis identified gaps, obstacles and cross-cutting "
                        "issues (gender, age, disability)?",
                        "L'analyse du cluster a-t-elle identifié les lacunes, obstacles et "
                        "questions transversales (genre, âge, handicap) ?",
                        "¿El análisis del clúster ha identificado brechas, obstáculos y temas "
                        "transversales (género, edad, discapacidad)?",
                    ),
                ],
            ),
            (
                "2.3",
                "Prioritisation grounded in response analysis",
                "Priorisation fondée sur l'analyse de la réponse",
                "Priorización basada en el análisis de la respuesta",
                [
                    (
                        P,
                        YN,
                        "Has the cluster agreed on priorities based on the analysis of needs and "
                        "gaps?",
                        "Le cluster a-t-il convenu de priorités fondées sur l'analyse des besoins "
                        "et des lacunes ?",
                        "¿El clúster ha acordado prioridades basadas en el análisis de "
                        "necesidades y brechas?",
                    ),
                    (
                        C,
                        YN,
                        "Have the cluster's priorities been presented to the HC/HCT in the last "
                        "six months?",
                        "Les priorités du cluster ont-elles été présentées au CH/EHP au cours "
                        "des six derniers mois ?",
                        "¿Las prioridades del clúster se presentaron al CH/EHP en los últimos "
                        "seis meses?",
                    ),
                ],
            ),
        ],
    ),
    (
        "3",
        "Planning and strategy development",
        "Planification et élaboration de la stratégie",
        "Planificación y desarrollo de la estrategia",
        [
            (
                "3.1",
                "Sectoral plans, objectives and indicators supporting the strategic priorities",
                "Plans sectoriels, objectifs et indicateurs au service des priorités stratégiques",
                "Planes sectoriales, objetivos e indicadores al servicio de las prioridades "
                "estratégicas",
                [
                    (
                        P,
                        YN,
                        "Has a cluster strategy with objectives, activities and indicators been "
                        "developed with partners?",
                        "Une stratégie du cluster avec objectifs, activités et indicateurs a-t-"
                        "elle été élaborée avec les partenaires ?",
                        "¿Se elaboró con los socios una estrategia del clúster con objetivos, "
                        "actividades e indicadores?",
                    ),
                    (
                        P,
                        FQ,
                        "Has your organisation been consulted in developing the cluster strategy?",
                        "Votre organisation a-t-elle été consultée pour élaborer la stratégie du "
                        "cluster ?",
                        "¿Se consultó a su organización para elaborar la estrategia del clúster?",
                    ),
                    (
                        C,
                        YN,
                        "Is the cluster strategy aligned with the response plan and reviewed in "
                        "the last year?",
                        "La stratégie du cluster est-elle alignée sur le plan de réponse et "
                        "revue au cours de l'année écoulée ?",
                        "¿La estrategia del clúster está alineada con el plan de respuesta y se "
                        "revisó en el último año?",
                    ),
                ],
            ),
            (
                "3.2",
                "Applying common standards and guidelines",
                "Application de normes et directives communes",
                "Aplicación de normas y directrices comunes",
                [
                    (
                        P,
                        YN,
                        "Has the cluster agreed on technical standards and guidelines for the "
                        "response?",
                        "Le cluster a-t-il convenu de normes techniques et de directives pour la "
                        "réponse ?",
                        "¿El clúster ha acordado normas técnicas y directrices para la respuesta?",
                    ),
                    (
                        P,
                        FQ,
                        "Has your organisation applied these standards and guidelines?",
                        "Votre organisation a-t-elle appliqué ces normes et directives ?",
                        "¿Su organización ha aplicado estas normas y directrices?",
                    ),
                ],
            ),
            (
                "3.3",
                "Funding requirements, prioritisation and contributions to funding appeals",
                "Besoins de financement, priorisation et contribution aux appels de fonds",
                "Necesidades de financiación, priorización y aportes a los llamamientos",
                [
                    (
                        P,
                        YN,
                        "Were the criteria for prioritising projects for funding agreed with "
                        "partners and applied transparently?",
                        "Les critères de priorisation des projets pour le financement ont-ils été "
                        "convenus avec les partenaires et appliqués en toute transparence ?",
                        "¿Los criterios para priorizar proyectos para la financiación se "
                        "acordaron con los socios y se aplicaron con transparencia?",
                    ),
                    (
                        C,
                        YN,
                        "Are funding requirements and funding received tracked and shared with "
                        "partners?",
                        "Les besoins de financement et les fonds reçus sont-ils suivis et "
                        "partagés avec les partenaires ?",
                        "¿Las necesidades de financiación y los fondos recibidos se siguen y "
                        "comparten con los socios?",
                    ),
                ],
            ),
        ],
    ),
    (
        "4",
        "Monitoring and evaluating performance",
        "Suivi et évaluation de la performance",
        "Monitoreo y evaluación del desempeño",
        [
            (
                "4.1",
                "Monitoring and reporting on activities and needs, progress against the "
                "strategy, corrective action",
                "Suivi et rapports sur les activités et les besoins, les progrès de la "
                "stratégie, les mesures correctives",
                "Monitoreo e informes sobre actividades y necesidades, avances de la "
                "estrategia, medidas correctivas",
                [
                    (
                        P,
                        YN,
                        "Has the cluster agreed with partners on formats for monitoring and "
                        "reporting?",
                        "Le cluster a-t-il convenu avec les partenaires de formats de suivi et "
                        "de rapport ?",
                        "¿El clúster ha acordado con los socios formatos de monitoreo e informes?",
                    ),
                    (
                        P,
                        FQ,
                        "Has your organisation reported using these formats?",
                        "Votre organisation a-t-elle rendu compte en utilisant ces formats ?",
                        "¿Su organización ha informado utilizando estos formatos?",
                    ),
                    (
                        P,
                        FQ,
                        "Has the cluster shared reports of progress against its strategy "
                        "(dashboards, bulletins)?",
                        "Le cluster a-t-il partagé des rapports sur les progrès de sa stratégie "
                        "(tableaux de bord, bulletins) ?",
                        "¿El clúster ha compartido informes de avance de su estrategia "
                        "(tableros, boletines)?",
                    ),
                    (
                        C,
                        YN,
                        "Is progress against the strategy's indicators reported at least every "
                        "quarter?",
                        "Les progrès par rapport aux indicateurs de la stratégie sont-ils "
                        "rapportés au moins chaque trimestre ?",
                        "¿Los avances frente a los indicadores de la estrategia se informan al "
                        "menos cada trimestre?",
                    ),
                ],
            ),
        ],
    ),
    (
        "5",
        "Building national capacity in preparedness and contingency planning",
        "Renforcer les capacités nationales de préparation et de planification de contingence",
        "Fortalecer las capacidades nacionales de preparación y planificación de contingencia",
        [
            (
                "5.1",
                "Contingency planning and preparedness, with national actors",
                "Planification de contingence et préparation, avec les acteurs nationaux",
                "Planificación de contingencia y preparación, con los actores nacionales",
                [
                    (
                        P,
                        YN,
                        "Is there a cluster contingency plan, updated with partners?",
                        "Existe-t-il un plan de contingence du cluster, mis à jour avec les "
                        "partenaires ?",
                        "¿Existe un plan de contingencia del clúster, actualizado con los socios?",
                    ),
                    (
                        P,
                        FQ,
                        "Has the cluster supported the capacity of national actors (trainings, "
                        "mentoring)?",
                        "Le cluster a-t-il renforcé les capacités des acteurs nationaux "
                        "(formations, accompagnement) ?",
                        "¿El clúster ha fortalecido las capacidades de los actores nacionales "
                        "(formaciones, acompañamiento)?",
                    ),
                    (
                        C,
                        YN,
                        "Has the contingency plan been reviewed in the last year?",
                        "Le plan de contingence a-t-il été revu au cours de l'année écoulée ?",
                        "¿El plan de contingencia se revisó en el último año?",
                    ),
                ],
            ),
        ],
    ),
    (
        "6",
        "Supporting robust advocacy",
        "Appuyer un plaidoyer solide",
        "Apoyar una incidencia sólida",
        [
            (
                "6.1",
                "Identifying advocacy concerns to inform the HC/HCT's messages and action",
                "Identifier les préoccupations de plaidoyer pour les messages et l'action du "
                "CH/EHP",
                "Identificar las preocupaciones de incidencia para los mensajes y la acción del "
                "CH/EHP",
                [
                    (
                        P,
                        FQ,
                        "Has the cluster identified advocacy concerns together with partners?",
                        "Le cluster a-t-il identifié les préoccupations de plaidoyer avec les "
                        "partenaires ?",
                        "¿El clúster ha identificado las preocupaciones de incidencia junto con "
                        "los socios?",
                    ),
                ],
            ),
            (
                "6.2",
                "Advocacy on behalf of cluster partners and affected people",
                "Plaidoyer au nom des partenaires du cluster et des personnes affectées",
                "Incidencia en nombre de los socios del clúster y las personas afectadas",
                [
                    (
                        P,
                        FQ,
                        "Has the cluster undertaken advocacy on behalf of partners and affected "
                        "people (messages, notes, meetings)?",
                        "Le cluster a-t-il mené un plaidoyer au nom des partenaires et des "
                        "personnes affectées (messages, notes, réunions) ?",
                        "¿El clúster ha realizado incidencia en nombre de los socios y las "
                        "personas afectadas (mensajes, notas, reuniones)?",
                    ),
                    (
                        C,
                        YN,
                        "Have advocacy notes or key messages been issued in the last six months?",
                        "Des notes de plaidoyer ou messages clés ont-ils été publiés au cours des "
                        "six derniers mois ?",
                        "¿Se emitieron notas de incidencia o mensajes clave en los últimos seis "
                        "meses?",
                    ),
                ],
            ),
        ],
    ),
    (
        "7",
        "Accountability to affected people",
        "Redevabilité envers les personnes affectées",
        "Rendición de cuentas a las personas afectadas",
        [
            (
                "7.1",
                "Consulting and involving affected people, and acting on their feedback and "
                "complaints",
                "Consulter et impliquer les personnes affectées, et donner suite à leurs retours "
                "et plaintes",
                "Consultar e involucrar a las personas afectadas y atender sus comentarios y "
                "quejas",
                [
                    (
                        P,
                        YN,
                        "Has the cluster agreed with partners on mechanisms to consult and "
                        "involve affected people?",
                        "Le cluster a-t-il convenu avec les partenaires de mécanismes pour "
                        "consulter et impliquer les personnes affectées ?",
                        "¿El clúster ha acordado con los socios mecanismos para consultar e "
                        "involucrar a las personas afectadas?",
                    ),
                    (
                        P,
                        FQ,
                        "Has your organisation used feedback and complaints from affected people "
                        "to adjust its activities?",
                        "Votre organisation a-t-elle utilisé les retours et plaintes des "
                        "personnes affectées pour ajuster ses activités ?",
                        "¿Su organización ha usado los comentarios y quejas de las personas "
                        "afectadas para ajustar sus actividades?",
                    ),
                    (
                        C,
                        YN,
                        "Are feedback and complaints from affected people analysed and reported "
                        "to partners?",
                        "Les retours et plaintes des personnes affectées sont-ils analysés et "
                        "communiqués aux partenaires ?",
                        "¿Los comentarios y quejas de las personas afectadas se analizan y se "
                        "comunican a los socios?",
                    ),
                ],
            ),
        ],
    ),
]
