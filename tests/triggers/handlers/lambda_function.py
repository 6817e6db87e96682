from __future__ import print_function

import json
import urllib.parse

import boto3

print('Loading function')

s3 = boto3.client('s3')
transcoder = boto3.client('elastictranscoder', 'eu-west-1')

PIPELINE_NAME = 'Audio Transcoder'


def get_pipeline_id(name):
    for pipeline in transcoder.list_pipelines()['Pipelines']:
        if pipeline['Name'] == name:
            return pipeline['Id']
    raise Exception('Pipeline {} not found'.format(name))


def lambda_handler(event, context):
    print("Received event: " + json.dumps(event, indent=2))

    # Get the object from the event and show its content type
    bucket = event['Records'][0]['s3']['bucket']['name']
    key = urllib.parse.unquote_plus(event['Records'][0]['s3']['object']['key'], encoding='utf-8')
    try:
        pipeline_id = get_pipeline_id(PIPELINE_NAME)
        base_name = key.split('/')[-1].rsplit('.', 1)[0]
        response = transcoder.create_job(
            PipelineId=pipeline_id,
            Input={
                'Key': key,
                'FrameRate': 'auto',
                'Resolution': 'auto',
                'AspectRatio': 'auto',
                'Interlaced': 'auto',
                'Container': 'auto'
            },
            Outputs=[
                {'Key': 'transcoded/' + base_name + '.wav', 'PresetId': '1351620000001-300300'},
                {'Key': 'transcoded/' + base_name + '.flac', 'PresetId': '1351620000001-300110'},
                {'Key': 'transcoded/' + base_name + '.mp4', 'PresetId': '1351620000001-100110'},
            ]
        )
        print('Job {} created for {}/{}'.format(response['Job']['Id'], bucket, key))
        return response['Job']['Id']
    except Exception as e:
        print(e)
        print('Error transcoding object {} from bucket {}.'.format(key, bucket))
        raise e
